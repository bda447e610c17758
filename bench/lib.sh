# Shared by the bench/ scripts (sourced, not run).

# A duration as the colmeia options take it (500ms / 10s / 2m) in whole seconds, rounded up.
seconds_of() {
    case "$1" in
        *ms) echo $(( (${1%ms} + 999) / 1000 )) ;;
        *s) echo "${1%s}" ;;
        *m) echo $(( ${1%m} * 60 )) ;;
        *) echo "bench/${0##*/}: '$1' is not a duration like 10s" >&2; exit 2 ;;
    esac
}

# The JDK tools: JAVA_HOME's when it has them, else the ones on the PATH.
java_bin=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && java_bin="$JAVA_HOME/bin/java"
jcmd_bin=jcmd
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/jcmd" ] && jcmd_bin="$JAVA_HOME/bin/jcmd"

# A scratch folder, and every process the script starts (append to `pids`) stopped when it exits, also on
# failure or Ctrl-C: SIGTERM to all, up to 10 s each to exit, then SIGKILL. A script may define
# `before_cleanup` (e.g. to SIGCONT a process it froze, which could not stop otherwise).
bench_workdir() { # name -> sets `work` and `pids`, installs the traps
    work=$(mktemp -d "${TMPDIR:-/tmp}/colmeia-bench-$1.XXXXXX")
    pids=()
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}
bench_cleanup() {
    local status=$?
    declare -F before_cleanup >/dev/null && before_cleanup
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]:-}"; do
        [ -n "$pid" ] || continue
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    exit "$status"
}

port_in_use() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; } # host, port
wait_for_port() { # host, port, seconds
    for _ in $(seq 1 $(( $3 * 10 ))); do
        port_in_use "$1" "$2" && return 0
        sleep 0.1
    done
    return 1
}
