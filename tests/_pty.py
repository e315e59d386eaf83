"""Runs a command in a pseudo-terminal the way an interactive shell runs a
foreground job, signals it, and prints what happened as one JSON object.

Deno has no pseudo-terminal API, hence Python (standard library only). The
child of pty.fork() plays the shell: it is the session leader and stays alive
until the transcript is read, so the terminal never hangs up on the job. The
job runs in its own process group, the terminal's foreground group, so a
Ctrl-C written to the terminal reaches every process of the job at once, as
it does in a terminal emulator.

    python3 tests/_pty.py --wait-for TEXT [--then S] [--send HOW]
                          [--timeout S] -- COMMAND [ARG...]

Once TEXT has appeared in the transcript and S more seconds have passed, the
job gets HOW: `ctrl-c` (the byte 0x03 written to the terminal, so the tty
driver sends SIGINT to the foreground group), `sigterm-group` (SIGTERM to
every process of the job) or `sigterm-leader` (SIGTERM to the job's first
process only). Prints
{"status": {"code": N} | {"signal": "SIGINT"} | null, "output": TRANSCRIPT,
 "sentAfter": S | null, "exitedAfter": S | null, "closedAfter": S | null},
times in seconds since the start; closedAfter is when every process of the
job had let go of the terminal (null if one still held it at the timeout,
after which the job's process group is killed).
"""

import argparse
import json
import os
import pty
import select
import signal
import sys
import time


def job(argv):
    """The job: its own process group, in the foreground, default signals."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    os.tcsetpgrp(0, os.getpid())
    for sig in (signal.SIGTTOU, signal.SIGINT, signal.SIGPIPE, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    try:
        os.execvp(argv[0], argv)
    except OSError as error:
        os.write(2, f"_pty.py: {argv[0]}: {error}\n".encode())
        os._exit(127)


def shell(argv, status_w, done_r):
    """The session leader: starts the job, reports its status, waits to be told to go."""
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pid = os.fork()
    if pid == 0:
        os.close(status_w)
        os.close(done_r)
        job(argv)
    try:
        os.setpgid(pid, pid)
        os.tcsetpgrp(0, pid)
    except OSError:
        pass  # the job did it first
    # Hold the terminal only as its controlling process, not through open files,
    # so that the transcript ends when the job's processes let go of it.
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        report = {"signal": signal.Signals(os.WTERMSIG(status)).name}
    else:
        report = {"code": os.WEXITSTATUS(status)}
    os.write(status_w, json.dumps(report).encode())
    os.close(status_w)
    os.read(done_r, 1)
    os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wait-for", required=True)
    parser.add_argument("--then", type=float, default=0)
    parser.add_argument("--send", choices=["ctrl-c", "sigterm-group", "sigterm-leader"],
                        default="ctrl-c")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    status_r, status_w = os.pipe()
    done_r, done_w = os.pipe()
    start = time.monotonic()
    leader, master = pty.fork()
    if leader == 0:
        os.close(status_r)
        os.close(done_w)
        shell(args.command, status_w, done_r)
    os.close(status_w)
    os.close(done_r)

    since = lambda: round(time.monotonic() - start, 3)
    output = b""
    seen_at = sent_after = exited_after = closed_after = None
    status = b""
    job_group = None
    open_fds = [master, status_r]
    while open_fds and time.monotonic() - start < args.timeout:
        if seen_at is None and args.wait_for.encode() in output:
            seen_at = time.monotonic()
        if sent_after is None and seen_at is not None and time.monotonic() - seen_at >= args.then:
            job_group = os.tcgetpgrp(master)
            if args.send == "ctrl-c":
                os.write(master, b"\x03")
            elif args.send == "sigterm-group":
                os.killpg(job_group, signal.SIGTERM)
            else:
                os.kill(job_group, signal.SIGTERM)
            sent_after = since()
        ready, _, _ = select.select(open_fds, [], [], 0.05)
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: no process holds the terminal any more
                data = b""
            if fd == master:
                output += data
            else:
                status += data
            if not data:
                open_fds.remove(fd)
                if fd == master:
                    closed_after = since()
                else:
                    exited_after = since()
    if job_group is None:
        try:
            job_group = os.tcgetpgrp(master)
        except OSError:
            pass
    if job_group is not None and job_group != leader:
        try:
            os.killpg(job_group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    os.close(done_w)
    os.waitpid(leader, 0)
    print(json.dumps({
        "status": json.loads(status) if status else None,
        "output": output.decode(errors="replace"),
        "sentAfter": sent_after,
        "exitedAfter": exited_after,
        "closedAfter": closed_after,
    }))


if __name__ == "__main__":
    sys.exit(main())
