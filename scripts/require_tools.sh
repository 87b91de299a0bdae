# Sourced by the script tests (ctest): `require_tools TOOL...` ends the test
# with exit code 77 -- which the tests declare as their SKIP_RETURN_CODE, so
# ctest counts and prints them as skipped, never as passed -- when a tool it
# needs is not installed. scripts/install_deps.sh installs every one of them.
NOKV_SKIP_CODE=77

# require_tools TOOL...: each TOOL is a command name, or "python3:MODULE" for a
# Python module.
require_tools() {
  local missing=() tool
  for tool in "$@"; do
    case "$tool" in
      python3:*)
        command -v python3 >/dev/null && python3 -c "import ${tool#python3:}" 2>/dev/null ||
          missing+=("$tool") ;;
      *) command -v "$tool" >/dev/null || missing+=("$tool") ;;
    esac
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "SKIP: not installed: ${missing[*]} (scripts/install_deps.sh installs them)"
    exit "$NOKV_SKIP_CODE"
  fi
}
