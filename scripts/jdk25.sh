# Sourced by ./sluice and ./run-tests. Finds a JDK 25 or newer and exports JAVA_HOME,
# or stops with one line that says what to install. Nobody has to set anything by hand.

sluice_java_feature() { # prints the feature release of the JDK at $1 (e.g. 25), or nothing
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n 1
}

# Where to look after $JAVA_HOME; SLUICE_JDK_SEARCH (space-separated globs) overrides it for tests.
sluice_jdk_search=${SLUICE_JDK_SEARCH:-"/usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk*"}

sluice_find_jdk25() {
  local candidate feature
  # shellcheck disable=SC2086 # the globs are meant to expand
  for candidate in "${JAVA_HOME:-}" $sluice_jdk_search; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    feature=$(sluice_java_feature "$candidate")
    if [ -n "$feature" ] && [ "$feature" -ge 25 ]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

if ! SLUICE_JDK=$(sluice_find_jdk25); then
  echo "sluice: needs a JDK 25 and found none (looked at \$JAVA_HOME and /usr/lib/jvm): install one there, for example Temurin 25" >&2
  exit 1
fi
export JAVA_HOME="$SLUICE_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
