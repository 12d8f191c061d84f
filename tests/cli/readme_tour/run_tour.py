"""Runs every `$ ` line of the README's walk-throughs, in order, in the
current folder, and checks that each succeeds and prints what the README
shows after it.

The walk-throughs are the parts of README.md under the headings in SECTIONS,
each up to the next "## " heading. Inside their ``` blocks, a line starting
with "$ " is a command; the lines up to the next command or the block's end
are its expected output (stdout and stderr together), compared line by line.
"""
import subprocess
import sys

readme, = sys.argv[1:]
text = open(readme, encoding="utf-8").read()
SECTIONS = ["## A five-minute tour", "## Language-model cascades"]
tour = []
for heading in SECTIONS:
    start = text.index(heading)
    end = text.index("\n## ", start + 1)
    tour += text[start:end].split("\n")

steps = []  # (command, expected output lines)
in_block = False
current = None  # the step whose output the next lines are
for line in tour:
    if line.startswith("```"):
        in_block = not in_block
        current = None
        continue
    if not in_block:
        continue
    if line.startswith("$ "):
        current = (line[2:], [])
        steps.append(current)
    elif current is not None:
        current[1].append(line)
if len(steps) < 9:
    sys.exit(f"the walk-throughs show {len(steps)} commands (expected at least 9)")

failed = 0
for command, expected in steps:
    run = subprocess.run(command, shell=True, capture_output=True, text=True)
    got = (run.stdout + run.stderr).rstrip("\n").split("\n") if (run.stdout + run.stderr) else []
    if run.returncode != 0:
        print(f"FAILED (exit {run.returncode}): {command}\n{run.stdout}{run.stderr}")
        failed = 1
    elif expected and got != expected:
        print(f"FAILED (output differs from the README): {command}")
        print("--- README\n" + "\n".join(expected) + "\n--- got\n" + "\n".join(got))
        failed = 1
    else:
        print(f"ok: {command}")
sys.exit(failed)
