//! The runtime at the head of B2B Convert's AppImage. An AppImage (type 2) is an ELF program with
//! `AI\x02` at byte 8, followed by a SquashFS image of the app's folder (`AppRun`, a `.desktop`
//! entry, an icon, `usr/`); the SquashFS starts where the ELF's section headers end.
//!
//! Ours because the AppImage project's runtime and linuxdeploy, which the Tauri bundler uses, come
//! from GitHub releases that our build machines cannot reach. It does not mount the image with
//! FUSE: like the reference runtime's `--appimage-extract-and-run`, it extracts the image once into
//! a private folder named after its content and runs `AppRun` from there, so it needs neither FUSE
//! nor root, and a second start reuses the folder.
//!
//! Options (the reference runtime's names): `--appimage-offset`, `--appimage-extract`,
//! `--appimage-version`, `--appimage-help`. Every other argument goes to the app.

use std::collections::hash_map::DefaultHasher;
use std::ffi::OsString;
use std::fs::{self, File};
use std::hash::Hasher;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::{symlink, DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, ExitCode};

use backhand::{FilesystemReader, InnerNode};

type Result<T = ()> = std::result::Result<T, String>;

/// SquashFS's magic, little-endian (`hsqs`).
const SQUASHFS_MAGIC: &[u8; 4] = b"hsqs";
/// Written by the extraction last: a folder without it is incomplete.
const DONE: &str = ".extracted";

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("AppImage: {e}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<ExitCode> {
    let image = std::env::current_exe().map_err(|e| format!("cannot find its own file: {e}"))?;
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let args: Vec<OsString> = argv.collect();
    let offset = squashfs_offset(&image)?;
    match args.first().and_then(|a| a.to_str()) {
        Some("--appimage-offset") => {
            println!("{offset}");
            return Ok(ExitCode::SUCCESS);
        }
        Some("--appimage-extract") => {
            if args.len() > 1 {
                return Err("--appimage-extract takes no pattern: it extracts the whole image".into());
            }
            let target = Path::new("squashfs-root");
            if target.exists() {
                return Err(format!(
                    "{} exists here already: remove it or run from another folder",
                    target.display()
                ));
            }
            extract(&image, offset, target)?;
            println!("{}", target.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some("--appimage-version") => {
            println!("B2B Convert AppImage runtime {}", env!("CARGO_PKG_VERSION"));
            return Ok(ExitCode::SUCCESS);
        }
        Some("--appimage-help") => {
            println!(
                "--appimage-offset   print where the SquashFS image starts in this file\n\
                 --appimage-extract  extract the image into ./squashfs-root\n\
                 --appimage-version  print the runtime's version\n\
                 Any other arguments go to the app. The image is extracted once into a private\n\
                 folder under $XDG_RUNTIME_DIR (else $TMPDIR) and run from there."
            );
            return Ok(ExitCode::SUCCESS);
        }
        Some(a) if a.starts_with("--appimage-") => {
            return Err(format!(
                "unknown option {a}; --appimage-help lists the runtime's options"
            ));
        }
        _ => {}
    }
    let dir = extracted(&image, offset)?;
    let apprun = dir.join("AppRun");
    let mut cmd = Command::new(&apprun);
    cmd.args(&args)
        .env("APPIMAGE", &image)
        .env("APPDIR", &dir)
        .env("ARGV0", &argv0);
    if let Ok(owd) = std::env::current_dir() {
        cmd.env("OWD", owd);
    }
    // Only returns on failure.
    let e = cmd.exec();
    Err(format!("{}: {e}", apprun.display()))
}

/// Where the SquashFS image starts: the end of the ELF's section header table (the last thing in
/// the runtime's own ELF file), checked against SquashFS's magic.
fn squashfs_offset(image: &Path) -> Result<u64> {
    let mut f = File::open(image).map_err(|e| format!("{}: {e}", image.display()))?;
    let mut head = [0u8; 64];
    f.read_exact(&mut head)
        .map_err(|e| format!("{}: not an AppImage ({e})", image.display()))?;
    let offset = elf_end(&head).ok_or_else(|| format!("{}: not an ELF file", image.display()))?;
    let mut magic = [0u8; 4];
    f.seek(SeekFrom::Start(offset))
        .and_then(|_| f.read_exact(&mut magic))
        .map_err(|e| format!("{}: no SquashFS image after the runtime ({e})", image.display()))?;
    if &magic != SQUASHFS_MAGIC {
        return Err(format!(
            "{}: no SquashFS image after the runtime (was it made by `cargo xtask bundle`?)",
            image.display()
        ));
    }
    Ok(offset)
}

/// The end of an ELF file's section header table, from its first 64 bytes (little-endian, 32 or
/// 64 bits).
fn elf_end(head: &[u8; 64]) -> Option<u64> {
    if &head[..4] != b"\x7fELF" || head[5] != 1 {
        return None;
    }
    let u16_at = |i: usize| u64::from(u16::from_le_bytes([head[i], head[i + 1]]));
    let (shoff, entsize, count) = match head[4] {
        1 => (
            u64::from(u32::from_le_bytes([head[32], head[33], head[34], head[35]])),
            u16_at(46),
            u16_at(48),
        ),
        2 => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&head[40..48]);
            (u64::from_le_bytes(b), u16_at(58), u16_at(60))
        }
        _ => return None,
    };
    shoff.checked_add(entsize.checked_mul(count)?)
}

/// The folder the image is extracted into, extracting it first unless an earlier start did.
/// Named after the image's content, so a new version gets a new folder; private to this user.
fn extracted(image: &Path, offset: u64) -> Result<PathBuf> {
    let key = content_key(image, offset)?;
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|d| d.is_dir())
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("appimage_extracted_{key:016x}"));
    if dir.join(DONE).exists() {
        owned_by_me(&dir)?;
        return Ok(dir);
    }
    let staging = base.join(format!(".appimage_extracting_{key:016x}_{}", std::process::id()));
    let _ = fs::remove_dir_all(&staging);
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .map_err(|e| format!("{}: {e}", staging.display()))?;
    let done = extract(image, offset, &staging).and_then(|()| {
        File::create(staging.join(DONE)).map_err(|e| format!("{}: {e}", staging.display()))?;
        // Another start may have finished first, or left an incomplete folder behind.
        if fs::rename(&staging, &dir).is_err() && !dir.join(DONE).exists() {
            owned_by_me(&dir)?;
            fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            fs::rename(&staging, &dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        owned_by_me(&dir)
    });
    let _ = fs::remove_dir_all(&staging);
    done.map(|()| dir)
}

/// Refuses a folder that another user made or can write (a shared temporary folder).
fn owned_by_me(dir: &Path) -> Result {
    let me = fs::metadata("/proc/self").map(|m| m.uid());
    let meta = fs::symlink_metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    match me {
        Ok(uid) if meta.is_dir() && meta.uid() == uid && meta.mode() & 0o022 == 0 => Ok(()),
        _ => Err(format!(
            "{} is not a private folder of this user: remove it, or set TMPDIR to a folder of yours",
            dir.display()
        )),
    }
}

/// A hash of the SquashFS image: the extraction's folder name.
fn content_key(image: &Path, offset: u64) -> Result<u64> {
    let read = || -> io::Result<u64> {
        let mut f = BufReader::new(File::open(image)?);
        f.seek(SeekFrom::Start(offset))?;
        let mut hasher = DefaultHasher::new();
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Ok(hasher.finish());
            }
            hasher.write(&buf[..n]);
        }
    };
    read().map_err(|e| format!("{}: {e}", image.display()))
}

/// Extracts the SquashFS image at `offset` in `image` into `target`: folders, files with their
/// permission bits, and symbolic links. Device nodes, pipes and sockets have no place in an
/// AppImage and are skipped.
fn extract(image: &Path, offset: u64, target: &Path) -> Result {
    let file = File::open(image).map_err(|e| format!("{}: {e}", image.display()))?;
    let squashfs = FilesystemReader::from_reader_with_offset(BufReader::new(file), offset)
        .map_err(|e| format!("{}: the SquashFS image cannot be read ({e})", image.display()))?;
    let err = |p: &Path, e: io::Error| format!("{}: {e}", p.display());
    let mut dirs = Vec::new();
    for node in squashfs.files() {
        let path = target.join(relative(&node.fullpath)?);
        let mode = u32::from(node.header.permissions) & 0o7777;
        match &node.inner {
            InnerNode::Dir(_) => {
                fs::create_dir_all(&path).map_err(|e| err(&path, e))?;
                dirs.push((path, mode));
            }
            InnerNode::File(f) => {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
                }
                let mut out = File::create(&path).map_err(|e| err(&path, e))?;
                io::copy(&mut squashfs.file(f).reader(), &mut out).map_err(|e| err(&path, e))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(mode)).map_err(|e| err(&path, e))?;
            }
            InnerNode::Symlink(link) => {
                symlink(&link.link, &path).map_err(|e| err(&path, e))?;
            }
            _ => {}
        }
    }
    // Folders last, so that a read-only one was still writable while it filled; always ours to
    // enter and write, so that a later start or the user can remove it.
    for (path, mode) in dirs.into_iter().rev() {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode | 0o700)).map_err(|e| err(&path, e))?;
    }
    Ok(())
}

/// A node's path inside the image, without its leading `/`; a path that climbs out (`..`) is an
/// error, never written.
fn relative(full: &Path) -> Result<PathBuf> {
    let mut rel = PathBuf::new();
    for c in full.components() {
        match c {
            Component::RootDir | Component::CurDir => {}
            Component::Normal(part) => rel.push(part),
            _ => return Err(format!("{}: a path outside the image", full.display())),
        }
    }
    Ok(rel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use backhand::compression::Compressor;
    use backhand::{FilesystemCompressor, FilesystemWriter, NodeHeader};
    use std::io::{Cursor, Write};

    fn header(permissions: u16) -> NodeHeader {
        NodeHeader::new(permissions, 0, 0, 0)
    }

    /// A 64-byte ELF head whose section headers end at byte 64, then a SquashFS image with an
    /// executable, a read-only folder and a symbolic link.
    fn image(dir: &Path) -> PathBuf {
        let mut fs = FilesystemWriter::default();
        let gzip = FilesystemCompressor::new(Compressor::Gzip, None);
        fs.set_compressor(gzip.expect("gzip compressor"));
        fs.push_dir("usr", header(0o755)).expect("dir");
        fs.push_dir("usr/bin", header(0o555)).expect("dir");
        fs.push_file(
            Cursor::new(b"#!/bin/sh\necho hi\n".to_vec()),
            "usr/bin/app",
            header(0o755),
        )
        .expect("file");
        fs.push_symlink("usr/bin/app", "AppRun", header(0o777))
            .expect("link");
        let mut squashfs = Cursor::new(Vec::new());
        fs.write(&mut squashfs).expect("squashfs");
        let mut head = [0u8; 64];
        head[..4].copy_from_slice(b"\x7fELF");
        head[4] = 2;
        head[5] = 1;
        head[8..11].copy_from_slice(b"AI\x02");
        head[40..48].copy_from_slice(&64u64.to_le_bytes());
        let path = dir.join("test.AppImage");
        let mut f = File::create(&path).expect("create");
        f.write_all(&head).expect("head");
        f.write_all(squashfs.get_ref()).expect("body");
        path
    }

    /// A throw-away folder; `close()` removes it and says whether that worked.
    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("appimage-runtime-{name}-"))
            .tempdir()
            .expect("scratch")
    }

    #[test]
    fn the_image_is_found_after_the_elf_and_extracted_whole() {
        let tmp = scratch("extract");
        let dir = tmp.path();
        let img = image(dir);
        assert_eq!(squashfs_offset(&img), Ok(64));
        let out = dir.join("root");
        extract(&img, 64, &out).expect("extract");
        let app = out.join("usr/bin/app");
        assert_eq!(fs::read_to_string(&app).expect("app"), "#!/bin/sh\necho hi\n");
        assert_eq!(fs::metadata(&app).expect("meta").mode() & 0o777, 0o755);
        assert_eq!(
            fs::read_link(out.join("AppRun")).expect("link"),
            Path::new("usr/bin/app")
        );
        // A read-only folder stays readable and the owner can still remove it.
        assert_eq!(
            fs::metadata(out.join("usr/bin")).expect("meta").mode() & 0o777,
            0o755
        );
        tmp.close().expect("cleanup");
    }

    #[test]
    fn a_second_start_reuses_the_private_folder_and_a_changed_image_gets_a_new_one() {
        let tmp = scratch("reuse");
        let dir = tmp.path();
        let img = image(dir);
        std::env::set_var("XDG_RUNTIME_DIR", dir);
        let first = extracted(&img, 64).expect("first");
        assert_eq!(fs::metadata(&first).expect("meta").mode() & 0o077, 0);
        fs::write(first.join("marker"), "kept").expect("marker");
        let second = extracted(&img, 64).expect("second");
        assert_eq!(first, second);
        assert!(second.join("marker").exists(), "the first extraction is reused");
        let mut f = fs::OpenOptions::new().append(true).open(&img).expect("open");
        f.write_all(b"more").expect("append");
        let third = extracted(&img, 64).expect("third");
        assert_ne!(first, third);
        tmp.close().expect("cleanup");
    }

    #[test]
    fn a_file_without_an_image_says_so() {
        let tmp = scratch("none");
        let dir = tmp.path();
        let path = dir.join("plain");
        let mut head = [0u8; 64];
        head[..4].copy_from_slice(b"\x7fELF");
        head[4] = 2;
        head[5] = 1;
        head[40..48].copy_from_slice(&64u64.to_le_bytes());
        fs::write(&path, [&head[..], b"not squashfs"].concat()).expect("write");
        let e = squashfs_offset(&path).expect_err("no image");
        assert!(e.contains("no SquashFS image"), "{e}");
        fs::write(&path, b"#!/bin/sh\n").expect("write");
        assert!(squashfs_offset(&path).is_err());
        tmp.close().expect("cleanup");
    }

    #[test]
    fn paths_that_climb_out_are_refused() {
        assert!(relative(Path::new("/usr/../../etc")).is_err());
        assert_eq!(relative(Path::new("/usr/bin")), Ok(PathBuf::from("usr/bin")));
        assert_eq!(relative(Path::new("/")), Ok(PathBuf::new()));
    }
}
