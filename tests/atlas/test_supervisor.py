"""The supervisor of `atlas up`: restarts what stopped with a doubling delay, reports a crash loop once,
and calms down once a part has run a while. Parts are real processes; only the clock is ours."""

import subprocess
import sys

from atlas.supervisor import CRASH_LOOP_EXITS, FIRST_DELAY, HEALTHY_AFTER, LONGEST_DELAY, Part, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Program:
    """A real process running ``code``; started again by the supervisor."""

    def __init__(self, code: str) -> None:
        self.code, self.process, self.starts = code, None, 0

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", self.code])
        self.starts += 1

    def alive(self) -> bool:
        return self.process.poll() is None

    def detail(self) -> str:
        return f"exit code {self.process.wait()}"

    def part(self, name: str) -> Part:
        return Part(name, self.alive, self.start, self.detail)


def _supervised(program: Program, clock: Clock, said: list[str]) -> Supervisor:
    program.start()
    program.process.wait()
    return Supervisor([program.part("worker")], say=said.append, clock=clock)


def test_a_stopped_part_is_restarted_after_a_delay_that_doubles():
    clock, said, program = Clock(), [], Program("import sys; sys.exit(3)")
    supervisor = _supervised(program, clock, said)

    supervisor.check()                       # notices the exit
    supervisor.check()                       # too early to restart
    clock.now += FIRST_DELAY
    supervisor.check()                       # restarts
    program.process.wait()
    supervisor.check()                       # notices the second exit

    assert program.starts == 2
    assert said == [f"[yellow]worker stopped (exit code 3); restarting it in {FIRST_DELAY:.1f} s[/]",
                    "[green]worker restarted[/]",
                    f"[yellow]worker stopped (exit code 3); restarting it in {2 * FIRST_DELAY:.1f} s[/]"]


def test_a_crash_loop_is_reported_once_and_restarts_go_on_at_the_longest_delay():
    clock, said, program = Clock(), [], Program("import sys; sys.exit(1)")
    supervisor = _supervised(program, clock, said)

    for _ in range(CRASH_LOOP_EXITS + 3):
        supervisor.check()
        clock.now += LONGEST_DELAY
        supervisor.check()
        program.process.wait()

    loops = [line for line in said if "crash-looping" in line]
    assert len(loops) == 1
    assert loops[0].startswith(f"[red]worker is crash-looping: {CRASH_LOOP_EXITS} exits in the last 2 minutes "
                               "(last: exit code 1). Still restarting it")
    assert program.starts == CRASH_LOOP_EXITS + 4
    assert supervisor.watches[0].delay == LONGEST_DELAY


def test_a_part_that_ran_a_while_starts_over_from_the_first_delay():
    clock, said, program = Clock(), [], Program("import time; time.sleep(30)")
    program.start()
    supervisor = Supervisor([program.part("web")], say=said.append, clock=clock)
    supervisor.watches[0].delay = LONGEST_DELAY

    clock.now += HEALTHY_AFTER
    supervisor.check()
    program.process.kill()
    program.process.wait()
    supervisor.check()

    assert said == [f"[yellow]web stopped (exit code -9); restarting it in {FIRST_DELAY:.1f} s[/]"]
