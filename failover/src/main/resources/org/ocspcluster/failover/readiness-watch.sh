#!/bin/sh
# ocsp-cluster's readiness watch for one front end. It runs outside the balancer's JVM, so it notices
# a balancer that hangs (SIGSTOP, a full GC, a dead lock) as well as one that is not ready: it asks
# the balancer's /ready every INTERVAL seconds, waiting at most INTERVAL for the answer, and runs
# READY_COMMAND at the first good answer, NOT_READY_COMMAND after two bad ones in a row (one slow
# answer under load is not a failover; a frozen balancer is noticed within four intervals), and
# again every 5 asks, in case keepalived or bird was started again and forgot.
#
# A command that fails is run again at the next ask; STATE_FILE says what was last put in force.
#
#   readiness-watch.sh URL INTERVAL READY_COMMAND NOT_READY_COMMAND STATE_FILE
set -u
url=$1 interval=$2 on_ready=$3 on_not_ready=$4 state_file=$5
state=unknown
asks=0
bad=0
while :; do
  if curl -fsS -k -m "$interval" -o /dev/null "$url" 2>/dev/null; then
    now=ready bad=0
  else
    bad=$((bad + 1))
    if [ "$bad" -ge 2 ] || [ "$state" = unknown ]; then now=not-ready; else now=$state; fi
  fi
  asks=$((asks + 1))
  if [ "$now" != "$state" ] || [ $((asks % 5)) -eq 0 ]; then
    if [ "$now" = ready ]; then sh -c "$on_ready"; else sh -c "$on_not_ready"; fi
    if [ $? -ne 0 ]; then
      echo "could not put '$now' in force; trying again"
    elif [ "$now" != "$state" ]; then
      echo "balancer is $now ($url)"
      state=$now
      echo "$state" > "$state_file.tmp" && mv "$state_file.tmp" "$state_file"
    fi
  fi
  sleep "$interval"
done
