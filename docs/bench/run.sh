#!/bin/bash
# usage: [SERVER_ENV="GOGC=200 ..."] run.sh NAME "hearth-load args"
# (from the repository: builds the tool and the server, runs the server on
# fresh data; SERVER_ENV, when set, is added to the server's environment only)
NAME=$1; ARGS=$2; OUT=/tmp/bench/$NAME
cd "$(dirname "$0")/../.." && mkdir -p /tmp/bench && go build -o /tmp/hearth-load ./cmd/hearth-load || exit 1
docs/bench/quiet.sh 0.5 900 > $OUT.quiet
if ss -ltn | grep -q '127.0.0.1:18090 '; then echo "port 18090 is taken: refusing to measure someone else's server" > $OUT.out; exit 1; fi
rm -rf /tmp/bench-data
echo 'load test passphrase' | go run ./cmd/hearth facilitator add --email load@example.org --name Load --data /tmp/bench-data > /dev/null
go build -o /tmp/bench-hearth ./cmd/hearth || exit 1
env $SERVER_ENV /tmp/bench-hearth serve --addr 127.0.0.1:18090 --metrics-addr 127.0.0.1:18091 --data /tmp/bench-data --quotas cohorts=100000 2> $OUT.server.log &
SRV=$!
for i in $(seq 1 300); do curl -sf 127.0.0.1:18090/readyz >/dev/null && break; sleep 0.1; done
if ! ss -ltnp | grep '127.0.0.1:18090 ' | grep -q "pid=$SRV,"; then echo "the server did not start" > $OUT.out; kill $SRV; exit 1; fi
HEARTH_LOAD_PASSWORD='load test passphrase' /tmp/hearth-load --url http://127.0.0.1:18090 --metrics-url http://127.0.0.1:18091 --email load@example.org $ARGS --json $OUT.json > $OUT.out 2> $OUT.err
echo "exit=$?" >> $OUT.out
kill -TERM $SRV; wait $SRV
cat $OUT.quiet >> $OUT.out
