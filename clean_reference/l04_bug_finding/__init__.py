"""Level 04: the classic series, ten short runnable scripts, one per classic PyTorch bug.

Each module here is the fixed script. `bughunt play 04 --classic N` serves bug N as the
series documents it: run the buggy script, see the failure, fix it, then compare with the
module here.
"""
