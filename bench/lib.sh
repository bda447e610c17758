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
