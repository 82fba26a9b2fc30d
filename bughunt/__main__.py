from bughunt.cli.main import main

main()
