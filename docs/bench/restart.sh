#!/bin/bash
# usage: restart.sh NAME "hearth-load args"
# A built server (so SIGTERM reaches it and start time excludes compiling),
# stopped with SIGTERM 40 s into the actions and started again at once.
NAME=$1; ARGS=$2; OUT=/tmp/bench/$NAME
cd "$(dirname "$0")/../.." && mkdir -p /tmp/bench && go build -o /tmp/bench/hearth ./cmd/hearth && go build -o /tmp/hearth-load ./cmd/hearth-load || exit 1
docs/bench/quiet.sh 0.5 900 > $OUT.quiet
if ss -ltn | grep -q '127.0.0.1:18090 '; then echo "port 18090 is taken: refusing to measure someone else's server" > $OUT.out; exit 1; fi
rm -rf /tmp/bench-data
echo 'load test passphrase' | /tmp/bench/hearth facilitator add --email load@example.org --name Load --data /tmp/bench-data > /dev/null
/tmp/bench/hearth serve --addr 127.0.0.1:18090 --metrics-addr 127.0.0.1:18091 --data /tmp/bench-data --quotas cohorts=100000 2> $OUT.server1.log &
SRV=$!
for i in $(seq 1 300); do curl -sf 127.0.0.1:18090/readyz >/dev/null && break; sleep 0.1; done
if ! ss -ltnp | grep '127.0.0.1:18090 ' | grep -q "pid=$SRV,"; then echo "the server did not start" > $OUT.out; kill $SRV; exit 1; fi
HEARTH_LOAD_PASSWORD='load test passphrase' /tmp/hearth-load --url http://127.0.0.1:18090 --metrics-url http://127.0.0.1:18091 --email load@example.org $ARGS --json $OUT.json > $OUT.out 2> $OUT.err &
TOOL=$!
until grep -q "running actions" $OUT.err 2>/dev/null; do sleep 0.5; kill -0 $TOOL 2>/dev/null || exit 1; done
sleep 40
t0=$(date +%s.%N); kill -TERM $SRV; wait $SRV; t1=$(date +%s.%N)
/tmp/bench/hearth serve --addr 127.0.0.1:18090 --metrics-addr 127.0.0.1:18091 --data /tmp/bench-data --quotas cohorts=100000 2> $OUT.server2.log &
SRV=$!
until curl -sf -m 1 127.0.0.1:18090/readyz >/dev/null; do sleep 0.01; done; t2=$(date +%s.%N)
python3 -c "print('SIGTERM → exited: %.2f s; start → /readyz 200: %.2f s' % ($t1-$t0, $t2-$t1))" > $OUT.restart
grep -h "restored" $OUT.server2.log >> $OUT.restart
wait $TOOL; echo "exit=$?" >> $OUT.out
kill -TERM $SRV; wait $SRV
cat $OUT.quiet $OUT.restart >> $OUT.out
