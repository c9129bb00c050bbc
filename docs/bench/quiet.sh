#!/bin/bash
# Wait until the machine's other work is below $1 busy cores (default 0.5)
# for 10 s, at most $2 seconds (default 900). Prints what it saw.
LIMIT=${1:-0.5}; MAX=${2:-900}; waited=0
busy() { a=$(head -1 /proc/stat); sleep 10; b=$(head -1 /proc/stat)
  python3 -c "
a=list(map(int,'$a'.split()[1:9])); b=list(map(int,'$b'.split()[1:9]))
d=[y-x for x,y in zip(a,b)]; print('%.2f' % ((sum(d)-d[3]-d[4])/sum(d)*$(nproc)))"; }
while :; do
  x=$(busy); waited=$((waited+10))
  if python3 -c "import sys; sys.exit(0 if $x < $LIMIT else 1)"; then echo "quiet: $x busy cores before the run"; exit 0; fi
  if [ $waited -ge $MAX ]; then echo "not quiet after ${MAX}s: $x busy cores before the run"; exit 0; fi
done
