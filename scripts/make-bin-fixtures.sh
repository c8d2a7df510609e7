#!/usr/bin/env bash
# Build the small compiled-binary fixtures of the Go and cargo-auditable
# catalogers, offline, into fixtures/catalog/{go,rust}/.
#
#   scripts/make-bin-fixtures.sh [go|rust|all]
#
# Needs: Go (Debian's golang-go: `apt-get install -y golang-go`), git, python3
# (to write the module zips of a file-based Go module proxy), and for rust
# cargo + cargo-auditable (`cargo install cargo-auditable --locked`).
# The Go binaries use no network: their versioned dependencies come from a
# module proxy written to a temp dir (GOPROXY=file://…), which also gives them
# real h1: checksums. The Rust binary uses one crates.io dependency.
# Outputs are stripped and small (≈1 MB each for Go, a few hundred KB for Rust).
set -euo pipefail

what="${1:-all}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A Go module zip in the layout the module proxy protocol expects.
go_module() { # path version dir-with-sources
  local path="$1" version="$2" src="$3" proxy="$work/proxy"
  mkdir -p "$proxy/$path/@v"
  printf '{"Version":"%s","Time":"2023-01-02T03:04:05Z"}\n' "$version" >"$proxy/$path/@v/$version.info"
  cp "$src/go.mod" "$proxy/$path/@v/$version.mod"
  python3 - "$src" "$path@$version" "$proxy/$path/@v/$version.zip" <<'EOF'
import os, sys, zipfile
src, prefix, out = sys.argv[1:]
with zipfile.ZipFile(out, "w") as z:
    for dirpath, _, files in os.walk(src):
        for f in sorted(files):
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, src)
            info = zipfile.ZipInfo(prefix + "/" + rel, date_time=(2023, 1, 2, 3, 4, 6))
            z.writestr(info, open(full, "rb").read())
EOF
  printf '%s\n' "$version" >>"$proxy/$path/@v/list"
}

make_go() {
  local out="$root/fixtures/catalog/go"
  mkdir -p "$out"
  export GOPATH="$work/gopath" GOCACHE="$work/gocache" GOFLAGS=-modcacherw
  export GOPROXY="file://$work/proxy" GOSUMDB=off GONOSUMDB='*' GOTOOLCHAIN=local CGO_ENABLED=0
  export GOOS=linux GOARCH=amd64

  # Libraries served by the file proxy.
  mkdir -p "$work/src/greet" "$work/src/greetfork"
  cat >"$work/src/greet/go.mod" <<'EOF'
module example.com/greet

go 1.19
EOF
  cat >"$work/src/greet/greet.go" <<'EOF'
package greet

// Hello returns a greeting.
func Hello() string { return "hello from greet\n" }
EOF
  go_module example.com/greet v1.2.3 "$work/src/greet"
  cat >"$work/src/greetfork/go.mod" <<'EOF'
module example.com/greetfork

go 1.19
EOF
  sed 's/from greet/from greetfork/' "$work/src/greet/greet.go" >"$work/src/greetfork/greet.go"
  go_module example.com/greetfork v1.2.4 "$work/src/greetfork"

  # The application: one proxied dependency, one replaced by a local directory.
  local app="$work/app"
  mkdir -p "$app/color" "$app/cmd/hello"
  cat >"$app/color/go.mod" <<'EOF'
module example.com/color

go 1.19
EOF
  cat >"$app/color/color.go" <<'EOF'
package color

// Red wraps s in an ANSI colour.
func Red(s string) string { return "\x1b[31m" + s + "\x1b[0m" }
EOF
  cat >"$app/cmd/hello/main.go" <<'EOF'
package main

import (
	"os"

	"example.com/color"
	"example.com/greet"
)

var version = "dev"

func main() {
	os.Stdout.WriteString(color.Red(greet.Hello()) + version + "\n")
}
EOF
  cat >"$app/go.mod" <<'EOF'
module example.com/hello

go 1.19

require (
	example.com/color v0.3.0
	example.com/greet v1.2.3
)

replace example.com/color => ./color
EOF
  (cd "$app" && go mod tidy)
  # No VCS information; the version comes from the linker flags (recorded
  # only without -trimpath).
  (cd "$app" && go build -buildvcs=false \
      -ldflags='-s -w -X main.version=1.4.2' -o "$out/hello-ldflags" ./cmd/hello)

  # With -trimpath the linker flags are not recorded: syft (and sc) find the
  # -X version string in the binary's contents instead.
  (cd "$app" && go build -buildvcs=false -trimpath \
      -ldflags='-s -w -X main.version=2.0.1' -o "$out/hello-trimpath" ./cmd/hello)

  # Same program in a git repository, with greet replaced by a fork: VCS
  # settings in the build info, main module version (devel).
  (cd "$app" && printf '\nreplace example.com/greet => example.com/greetfork v1.2.4\n' >>go.mod \
      && go mod tidy)
  (cd "$app" && git init -q && git add -A \
      && GIT_AUTHOR_DATE='2024-03-04T05:06:07Z' GIT_COMMITTER_DATE='2024-03-04T05:06:07Z' \
         git -c user.name=fixture -c user.email=fixture@example.com commit -q -m fixture \
      && go build -buildvcs=true -trimpath -ldflags='-s -w' -o "$out/hello-vcs" ./cmd/hello)
  chmod 0755 "$out"/hello-*
  go version -m "$out/hello-ldflags" "$out/hello-trimpath" "$out/hello-vcs"
}

make_rust() {
  local out="$root/fixtures/catalog/rust"
  mkdir -p "$out"
  local p="$work/rustapp"
  mkdir -p "$p/src" "$p/helper/src" "$p/buildhelper/src"
  cat >"$p/Cargo.toml" <<'EOF'
[package]
name = "auditable-hello"
version = "0.2.1"
edition = "2021"
build = "build.rs"

[dependencies]
helper = { path = "helper" }
itoa = "=1.0.11"
itoa04 = { package = "itoa", version = "=0.4.8" }

[build-dependencies]
buildhelper = { path = "buildhelper" }

[profile.release]
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
strip = true

[workspace]
EOF
  cat >"$p/build.rs" <<'EOF'
fn main() {
    println!("cargo:rustc-env=HELLO_WORD={}", buildhelper::word());
}
EOF
  cat >"$p/src/main.rs" <<'EOF'
fn main() {
    let mut b = itoa::Buffer::new();
    let mut old = Vec::new();
    itoa04::write(&mut old, 42u8).unwrap();
    println!("{} {} {} {}", env!("HELLO_WORD"), helper::greet(), b.format(7u8), old.len());
}
EOF
  cat >"$p/helper/Cargo.toml" <<'EOF'
[package]
name = "helper"
version = "0.1.0"
edition = "2021"
EOF
  echo 'pub fn greet() -> &'"'"'static str { "hello" }' >"$p/helper/src/lib.rs"
  cat >"$p/buildhelper/Cargo.toml" <<'EOF'
[package]
name = "buildhelper"
version = "0.3.0"
edition = "2021"
EOF
  echo 'pub fn word() -> &'"'"'static str { "auditable" }' >"$p/buildhelper/src/lib.rs"
  (cd "$p" && CARGO_TARGET_DIR="$work/target" cargo auditable build --release --quiet)
  install -m 0755 "$work/target/release/auditable-hello" "$out/auditable-hello"
  # The same program without cargo-auditable: no .dep-v0 section.
  (cd "$p" && CARGO_TARGET_DIR="$work/target-plain" cargo build --release --quiet)
  install -m 0755 "$work/target-plain/release/auditable-hello" "$out/plain-hello"
  ls -l "$out"
}

case "$what" in
  go) make_go ;;
  rust) make_rust ;;
  all) make_go; make_rust ;;
  *) echo "usage: $0 [go|rust|all]" >&2; exit 2 ;;
esac
