from textwrap import dedent

import pytest

from mutators._base import SiteNotFound, apply, sites
from mutators.scheduler_step import SchedulerStep

EPOCHS = dedent("""\
    def fit(model, loader, optimizer, scheduler, epochs):
        for epoch in range(epochs):
            lr = optimizer.param_groups[0]["lr"]
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            scheduler.step()
            log(epoch, lr)
""")

GUARDED = dedent("""\
    def fit(model, optimizer, scheduler, epochs):
        for epoch in range(epochs):
            train_epoch(model, optimizer)

            # one step per epoch
            if scheduler is not None:
                scheduler.step()
""")


def ids(source):
    return [site.id for site in sites(SchedulerStep, source)]


def test_sites_never_first_and_per_batch():
    assert ids(EPOCHS) == ["scheduler-step:fit:0", "scheduler-step:fit:1", "scheduler-step:fit:2"]  # never, per batch, first


def test_never_deletes_the_step():
    assert apply(SchedulerStep, EPOCHS, "scheduler-step:fit:0") == EPOCHS.replace(
        "        scheduler.step()\n", "")


def test_first_moves_the_step_to_the_top_of_the_epoch():
    assert apply(SchedulerStep, EPOCHS, "scheduler-step:fit:2") == dedent("""\
        def fit(model, loader, optimizer, scheduler, epochs):
            for epoch in range(epochs):
                scheduler.step()
                lr = optimizer.param_groups[0]["lr"]
                for x, y in loader:
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()
                log(epoch, lr)
    """)


def test_per_batch_moves_the_step_after_the_optimizer_step():
    assert apply(SchedulerStep, EPOCHS, "scheduler-step:fit:1") == dedent("""\
        def fit(model, loader, optimizer, scheduler, epochs):
            for epoch in range(epochs):
                lr = optimizer.param_groups[0]["lr"]
                for x, y in loader:
                    optimizer.zero_grad()
                    loss_fn(model(x), y).backward()
                    optimizer.step()
                    scheduler.step()
                log(epoch, lr)
    """)


def test_a_guarded_step_moves_and_goes_whole_with_its_comment_but_no_blank_line():
    assert ids(GUARDED) == ["scheduler-step:fit:0", "scheduler-step:fit:1"]
    assert apply(SchedulerStep, GUARDED, "scheduler-step:fit:1") == dedent("""\
        def fit(model, optimizer, scheduler, epochs):
            for epoch in range(epochs):
                # one step per epoch
                if scheduler is not None:
                    scheduler.step()
                train_epoch(model, optimizer)
    """)
    assert apply(SchedulerStep, GUARDED, "scheduler-step:fit:0") == dedent("""\
        def fit(model, optimizer, scheduler, epochs):
            for epoch in range(epochs):
                train_epoch(model, optimizer)
    """)


def test_a_per_batch_scheduler_in_the_batch_loop_can_move_before_the_optimizer():
    before = dedent("""\
        for x, y in loader:
            loss.backward()
            optimizer.step()
            self.lr_scheduler.step()
    """)
    assert ids(before) == ["scheduler-step:<module>:0", "scheduler-step:<module>:1"]
    assert apply(SchedulerStep, before, "scheduler-step:<module>:1") == dedent("""\
        for x, y in loader:
            self.lr_scheduler.step()
            loss.backward()
            optimizer.step()
    """)


def test_outside_a_loop_only_deletion():
    before = dedent("""\
        def end_of_epoch(sched, val_loss):
            sched.step(val_loss)
    """)
    assert ids(before) == ["scheduler-step:end_of_epoch:0"]
    assert apply(SchedulerStep, before, "scheduler-step:end_of_epoch:0") == dedent("""\
        def end_of_epoch(sched, val_loss):
            pass
    """)


def test_leaves_other_steps_and_the_demo_alone():
    source = dedent("""\
        def f(optimizer, scaler, scheduler):
            optimizer.step()
            scaler.step(optimizer)
            lr = scheduler.step_size
            return scheduler.get_last_lr()

        if __name__ == "__main__":
            for epoch in range(3):
                train()
                scheduler.step()
    """)
    assert ids(source) == []


def test_a_first_statement_has_no_move_to_the_top():
    before = dedent("""\
        for epoch in range(3):
            scheduler.step()
            train()
    """)
    assert ids(before) == ["scheduler-step:<module>:0"]


def test_sites_are_stable_and_each_rewrite_changes_the_code():
    for source in (EPOCHS, GUARDED):
        found = sites(SchedulerStep, source)
        assert found == sites(SchedulerStep, source)
        for site in found:
            mutated = apply(SchedulerStep, source, site)
            assert mutated != source
            compile(mutated, "<mutant>", "exec")
    with pytest.raises(SiteNotFound):
        apply(SchedulerStep, EPOCHS, "scheduler-step:no_such_function:0")
