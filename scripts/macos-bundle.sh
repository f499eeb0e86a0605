#!/usr/bin/env bash
# Lays out agentbar.app around an agentbar binary, so macOS runs it as a menu-bar app: no Dock
# icon (LSUIElement), a bundle identifier (notifications and the login item are attributed to
# agentbar, not to Terminal), the version from Cargo.toml and the app icon.
#
# Usage: scripts/macos-bundle.sh [BINARY] [OUT_DIR]
#   BINARY   the agentbar executable (default: target/release/agentbar)
#   OUT_DIR  where agentbar.app goes (default: target/macos); an existing one is replaced
# Then: cp -R target/macos/agentbar.app /Applications/ (or ~/Applications) and open it.
#
# Plain bash and coreutils, so it runs on a stock Mac; tests/macos_bundle.rs runs it on Linux
# with a stand-in binary and checks the layout and the Info.plist keys (with Python's plistlib).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-$root/target/release/agentbar}
out_dir=${2:-$root/target/macos}

# The bundle identifier is the one the app's own directories use (directories' ProjectDirs
# "dev", "agentbar", "agentbar": ~/Library/Application Support/dev.agentbar.agentbar).
bundle_id=dev.agentbar.agentbar
icon=$root/assets/agentbar.icns

if [ ! -f "$binary" ] || [ ! -x "$binary" ]; then
  echo "macos-bundle: $binary is not an executable file (build it first: cargo build --release)" >&2
  exit 2
fi
# [package]'s own version line, not a dependency's.
version=$(awk '/^\[/ { in_package = ($0 == "[package]") } in_package && /^version *=/ { gsub(/.*= *"|".*/, ""); print; exit }' "$root/Cargo.toml")
if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  echo "macos-bundle: no version found in Cargo.toml's [package] (got '$version')" >&2
  exit 2
fi
# CFBundleVersion must be numbers and dots only: drop any pre-release or build suffix.
build_version=${BASH_REMATCH[0]}

mkdir -p "$out_dir"
staging=$(mktemp -d "$out_dir/.agentbar.app.XXXXXX")
trap 'rm -rf "$staging"' EXIT
app=$staging/agentbar.app
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp "$binary" "$app/Contents/MacOS/agentbar"
chmod 755 "$app/Contents/MacOS/agentbar"
cp "$icon" "$app/Contents/Resources/agentbar.icns"
printf 'APPL????' >"$app/Contents/PkgInfo"
cat >"$app/Contents/Info.plist" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleDevelopmentRegion</key>
	<string>en</string>
	<key>CFBundleDisplayName</key>
	<string>agentbar</string>
	<key>CFBundleExecutable</key>
	<string>agentbar</string>
	<key>CFBundleIconFile</key>
	<string>agentbar.icns</string>
	<key>CFBundleIdentifier</key>
	<string>$bundle_id</string>
	<key>CFBundleInfoDictionaryVersion</key>
	<string>6.0</string>
	<key>CFBundleName</key>
	<string>agentbar</string>
	<key>CFBundlePackageType</key>
	<string>APPL</string>
	<key>CFBundleShortVersionString</key>
	<string>$version</string>
	<key>CFBundleVersion</key>
	<string>$build_version</string>
	<key>LSApplicationCategoryType</key>
	<string>public.app-category.developer-tools</string>
	<key>LSUIElement</key>
	<true/>
	<key>NSHighResolutionCapable</key>
	<true/>
</dict>
</plist>
EOF

# On a Mac, seal the bundle with an ad-hoc signature so the copied binary's own signature and
# the bundle agree (Apple silicon refuses to run unsigned code). It is not a Developer ID
# signature: another Mac's Gatekeeper still asks, and keychain access may prompt after rebuilds.
if [ "$(uname -s)" = Darwin ] && command -v codesign >/dev/null 2>&1; then
  codesign --force --sign - "$app" || echo "macos-bundle: ad-hoc signing failed; the bundle is unsigned" >&2
fi

rm -rf "$out_dir/agentbar.app"
mv "$app" "$out_dir/agentbar.app"
echo "macos-bundle: wrote $out_dir/agentbar.app (version $version, $bundle_id)" >&2
