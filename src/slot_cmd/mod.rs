//! `slotlint slot`: the slot, hash tag and (with a topology) node of concrete
//! keys given as arguments or streamed on standard input.
//!
//! Output formats:
//! * `table` (default for KEY arguments): aligned columns `KEY SLOT HASHED [NODE]`
//!   under a header, non-printable bytes escaped (`\xNN`, `\t`, `\n`, `\\`);
//! * `plain` (default with `--stdin`, the fast path): `SLOT<TAB>KEY`, or
//!   `SLOT<TAB>NODE<TAB>KEY` with a topology; the key is echoed as the raw bytes
//!   it was given, last, so `cut -f2-` returns it whole;
//! * `tsv`: `KEY<TAB>SLOT<TAB>HASHED[<TAB>NODE]`, escaped like `table`, no header;
//! * `json`: one JSON array of `{"key", "hashed", "tag", "slot"[, "node"][, "escaped"]}`
//!   objects, written as keys arrive (also for `--stdin`). `tag` is null when the
//!   whole key is hashed; `node` is present only with a topology and null for an
//!   unassigned slot. Keys that are not valid UTF-8 are given in the escaped form
//!   of `table` and the object carries `"escaped": true`.

use std::borrow::Cow;
use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::PathBuf;

mod encode;

#[cfg(test)]
use encode::fast;
use encode::{display, escape_into, json_object, plain_lines, push_u16, split_lines};

use crate::slot;
use crate::topology::{count_slots, format_ranges, Topology};

/// Arguments of `slotlint slot`.
#[derive(Clone, Debug, clap::Args)]
pub struct SlotArgs {
    /// Keys to look up, as raw bytes (put `--` before a key that starts with `-`)
    #[arg(value_name = "KEY")]
    pub keys: Vec<OsString>,

    /// Read keys from standard input, one per line, as raw bytes (not necessarily
    /// UTF-8). Lines end at `\n`; a `\r` before it is dropped; every line is a key,
    /// so an empty line is the empty key. A key containing `\n`, or ending in `\r`,
    /// cannot be given this way.
    #[arg(long, conflicts_with = "keys")]
    pub stdin: bool,

    /// Output format [default: table for KEY arguments, plain with --stdin]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<SlotFormat>,

    /// Map slots to nodes: a YAML file with `topology: { nodes: { A: "0-5460", … } }`,
    /// or a saved CLUSTER NODES, CLUSTER SLOTS or CLUSTER SHARDS reply from redis-cli
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
}

/// Output formats of `slotlint slot` (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SlotFormat {
    /// Aligned columns KEY SLOT HASHED [NODE] with a header
    Table,
    /// SLOT<TAB>KEY, or SLOT<TAB>NODE<TAB>KEY with a topology; the key raw, last
    Plain,
    /// KEY<TAB>SLOT<TAB>HASHED[<TAB>NODE], escaped, no header
    Tsv,
    /// A JSON array of {key, hashed, tag, slot, node} objects
    Json,
}

/// What the node column of a row holds.
#[derive(Clone, Copy)]
enum NodeColumn<'a> {
    /// No `--topology`: no column.
    NoTopology,
    /// The topology leaves the slot uncovered.
    Unassigned,
    Node(&'a str),
}

impl<'a> NodeColumn<'a> {
    /// The text of the column, `None` when there is no column.
    fn text(self) -> Option<&'a str> {
        match self {
            NodeColumn::NoTopology => None,
            NodeColumn::Unassigned => Some(UNASSIGNED),
            NodeColumn::Node(name) => Some(name),
        }
    }
}

const CHUNK: usize = 1 << 20;
const FLUSH_AT: usize = 1 << 20;
/// Runs shorter than this are not worth a thread.
const PARALLEL_MIN: usize = 1 << 16;
const UNASSIGNED: &str = "(unassigned)";

/// Runs `slotlint slot`; returns the exit code (0 ok, 2 usage, configuration
/// or I/O error). Keys come from `args.keys`, or from `stdin` with `--stdin`.
pub fn run(
    args: &SlotArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> i32 {
    let topology = match &args.topology {
        None => None,
        Some(path) => match Topology::load(path) {
            Ok(t) => {
                warn_uncovered(&t, &path.display().to_string(), stderr);
                Some(t)
            }
            Err(e) => {
                let _ = writeln!(stderr, "slotlint: error: {e}");
                return 2;
            }
        },
    };
    if !args.stdin && args.keys.is_empty() {
        let _ = writeln!(
            stderr,
            "slotlint: error: no keys given: pass KEY… or --stdin (see `slotlint slot --help`)"
        );
        return 2;
    }
    let format = args.format.unwrap_or(if args.stdin {
        SlotFormat::Plain
    } else {
        SlotFormat::Table
    });
    let mut printer = Printer::new(format, topology.as_ref(), stdout);
    let result = if args.stdin {
        if format == SlotFormat::Table {
            // The table needs every key before it can align its columns.
            let mut keys: Vec<Vec<u8>> = Vec::new();
            for_each_line(stdin, |chunk| {
                for_each_key(chunk, |key| keys.push(key.to_vec()));
                Ok(())
            })
            .and_then(|()| {
                printer
                    .table(keys.iter().map(Vec::as_slice))
                    .map_err(Failure::Write)
            })
        } else {
            for_each_line(stdin, |chunk| printer.chunk(chunk))
                .and_then(|()| printer.finish().map_err(Failure::Write))
        }
    } else {
        let keys: Vec<Cow<'_, [u8]>> = args.keys.iter().map(|k| os_bytes(k)).collect();
        printer.keys(&keys).map_err(Failure::Write)
    };
    let unassigned = printer.unassigned;
    match result {
        Ok(()) => {
            if unassigned > 0 {
                let _ = writeln!(
                    stderr,
                    "slotlint: warning: {unassigned} key{} in slots no node of the topology owns",
                    if unassigned == 1 { "" } else { "s" }
                );
            }
            0
        }
        Err(Failure::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(Failure::Write(e)) => {
            let _ = writeln!(stderr, "slotlint: error: cannot write output: {e}");
            2
        }
        Err(Failure::Read(e)) => {
            let _ = writeln!(stderr, "slotlint: error: cannot read standard input: {e}");
            2
        }
    }
}

enum Failure {
    Read(io::Error),
    Write(io::Error),
}

fn warn_uncovered(topology: &Topology, path: &str, stderr: &mut dyn Write) {
    const SHOWN: usize = 8;
    let uncovered = topology.uncovered();
    if uncovered.is_empty() {
        return;
    }
    let mut list = format_ranges(&uncovered[..uncovered.len().min(SHOWN)]);
    if uncovered.len() > SHOWN {
        let more = uncovered.len() - SHOWN;
        list = format!("{list}, … ({more} more ranges)");
    }
    let _ = writeln!(
        stderr,
        "slotlint: warning: {path}: {} of 16384 slots are not assigned to any node: {list}; \
         keys there show node {UNASSIGNED}",
        count_slots(&uncovered)
    );
}

#[cfg(unix)]
fn os_bytes(key: &OsString) -> Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    Cow::Borrowed(key.as_bytes())
}

#[cfg(not(unix))]
fn os_bytes(key: &OsString) -> Cow<'_, [u8]> {
    match key.to_string_lossy() {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

/// Reads `input` in large chunks and hands `f` runs of whole lines, each ending
/// in `\n` except possibly the very last line of the input.
fn for_each_line(
    input: &mut dyn Read,
    mut f: impl FnMut(&[u8]) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut buf = vec![0u8; CHUNK];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            // One line longer than the buffer: grow until it fits.
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Failure::Read(e)),
        };
        if n == 0 {
            if filled > 0 {
                f(&buf[..filled]).map_err(Failure::Write)?;
            }
            return Ok(());
        }
        let scan_from = filled;
        filled += n;
        if let Some(last) = buf[scan_from..filled].iter().rposition(|&b| b == b'\n') {
            let end = scan_from + last + 1;
            f(&buf[..end]).map_err(Failure::Write)?;
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
    }
}

/// Splits a run of lines into keys (without `\n` and a `\r` before it).
#[inline]
fn for_each_key(chunk: &[u8], mut f: impl FnMut(&[u8])) {
    let mut rest = chunk;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        f(line.strip_suffix(b"\r").unwrap_or(line));
    }
}

/// Writes rows in one format into a large buffer, flushing it to `out`.
struct Printer<'a> {
    format: SlotFormat,
    topology: Option<&'a Topology>,
    out: &'a mut dyn Write,
    buf: Vec<u8>,
    /// Rows written so far (for JSON separators).
    rows: u64,
    /// Keys whose slot the topology leaves uncovered.
    unassigned: u64,
    /// Worker threads for the fast path (the available cores, at most 8).
    threads: usize,
    /// Output buffers of the fast path's worker threads.
    spare: Vec<Vec<u8>>,
}

impl<'a> Printer<'a> {
    fn new(format: SlotFormat, topology: Option<&'a Topology>, out: &'a mut dyn Write) -> Self {
        Printer {
            format,
            topology,
            out,
            buf: Vec::with_capacity(FLUSH_AT + CHUNK / 4),
            rows: 0,
            unassigned: 0,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            spare: Vec::new(),
        }
    }

    /// The node column for `slot`.
    #[inline]
    fn node(&mut self, slot: u16) -> NodeColumn<'a> {
        let Some(topology) = self.topology else {
            return NodeColumn::NoTopology;
        };
        if let Some(node) = topology.node_of(slot) {
            NodeColumn::Node(node)
        } else {
            self.unassigned += 1;
            NodeColumn::Unassigned
        }
    }

    /// Streams a run of lines in any format but `table`.
    fn chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.format == SlotFormat::Plain && self.topology.is_none() {
            return self.fast_chunk(chunk);
        }
        for_each_key(chunk, |key| self.row(key));
        self.flush_if_full()
    }

    /// The fast path (plain format, no topology): `SLOT<TAB>KEY` lines. Large
    /// runs are split at line boundaries over the available cores; the parts are
    /// written in input order.
    fn fast_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        if self.threads <= 1 || chunk.len() < PARALLEL_MIN {
            plain_lines(chunk, &mut self.buf);
            return self.flush_if_full();
        }
        let pieces = split_lines(chunk, self.threads);
        let (first, rest) = pieces.split_first().unwrap_or((&chunk, &[]));
        self.spare.resize_with(rest.len(), Vec::new);
        let spare = &mut self.spare[..rest.len()];
        let buf = &mut self.buf;
        std::thread::scope(|scope| {
            for (piece, out) in rest.iter().zip(spare.iter_mut()) {
                out.clear();
                scope.spawn(move || plain_lines(piece, out));
            }
            plain_lines(first, buf);
        });
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        for out in &self.spare[..rest.len()] {
            self.out.write_all(out)?;
        }
        Ok(())
    }

    fn keys(&mut self, keys: &[Cow<'_, [u8]>]) -> io::Result<()> {
        if self.format == SlotFormat::Table {
            return self.table(keys.iter().map(AsRef::as_ref));
        }
        for key in keys {
            self.row(key);
            self.flush_if_full()?;
        }
        self.finish()
    }

    fn row(&mut self, key: &[u8]) {
        let slot = slot::key_slot(key);
        let node = self.node(slot);
        let buf = &mut self.buf;
        match self.format {
            SlotFormat::Plain => {
                push_u16(buf, slot);
                buf.push(b'\t');
                if let Some(node) = node.text() {
                    buf.extend_from_slice(node.as_bytes());
                    buf.push(b'\t');
                }
                buf.extend_from_slice(key);
                buf.push(b'\n');
            }
            SlotFormat::Tsv => {
                escape_into(buf, key);
                buf.push(b'\t');
                push_u16(buf, slot);
                buf.push(b'\t');
                escape_into(buf, slot::hashed_part(key));
                if let Some(node) = node.text() {
                    buf.push(b'\t');
                    buf.extend_from_slice(node.as_bytes());
                }
                buf.push(b'\n');
            }
            // (The table is laid out by `table`, never row by row.)
            SlotFormat::Json | SlotFormat::Table => {
                buf.extend_from_slice(if self.rows == 0 { b"[\n  " } else { b",\n  " });
                json_object(buf, key, slot, node);
            }
        }
        self.rows += 1;
    }

    fn table<'k>(&mut self, keys: impl Iterator<Item = &'k [u8]>) -> io::Result<()> {
        let mut rows: Vec<[String; 4]> = Vec::new();
        for key in keys {
            let slot = slot::key_slot(key);
            let node = self.node(slot).text().map(str::to_owned);
            rows.push([
                display(key),
                slot.to_string(),
                display(slot::hashed_part(key)),
                node.unwrap_or_default(),
            ]);
        }
        let columns = if self.topology.is_some() { 4 } else { 3 };
        let header = ["KEY", "SLOT", "HASHED", "NODE"].map(str::to_owned);
        let mut widths = [0usize; 4];
        for row in std::iter::once(&header).chain(&rows) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate().take(columns) {
                line.push_str(cell);
                if i + 1 < columns {
                    let pad = widths[i] - cell.chars().count() + 2;
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            self.buf.extend_from_slice(line.as_bytes());
            self.buf.push(b'\n');
            self.flush_if_full()?;
        }
        self.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.format == SlotFormat::Json {
            self.buf
                .extend_from_slice(if self.rows == 0 { b"[]\n" } else { b"\n]\n" });
        }
        self.flush()
    }

    #[inline]
    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(args: &[&str], input: &[u8]) -> (i32, String, String) {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            slot: SlotArgs,
        }
        let cli = Cli::try_parse_from(std::iter::once("slot").chain(args.iter().copied())).unwrap();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&cli.slot, &mut &input[..], &mut out, &mut err);
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    }

    #[test]
    fn plain_stdin() {
        let (code, out, _) = run_with(&["--stdin"], b"foo\r\n{user1000}.following\n\nfoo{}{bar}");
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "12182\tfoo\n3443\t{user1000}.following\n0\t\n8363\tfoo{}{bar}\n"
        );
    }

    #[test]
    fn long_lines_cross_chunks() {
        let long = vec![b'k'; CHUNK * 3 + 7];
        let mut input = long.clone();
        input.extend_from_slice(b"\nfoo\n");
        let (code, out, _) = run_with(&["--stdin"], &input);
        assert_eq!(code, 0);
        let expected = format!(
            "{}\t{}\n12182\tfoo\n",
            slot::key_slot(&long),
            "k".repeat(long.len())
        );
        assert_eq!(out, expected);
    }

    #[test]
    fn table_and_tsv() {
        let (code, out, _) = run_with(&["foo", "{user1000}.following"], b"");
        assert_eq!(code, 0);
        assert_eq!(
            out,
            "KEY                   SLOT   HASHED\n\
             foo                   12182  foo\n\
             {user1000}.following  3443   user1000\n"
        );
        let (_, out, _) = run_with(&["--format", "tsv", "a\tb\\"], b"");
        assert_eq!(
            out,
            format!("a\\tb\\\\\t{}\ta\\tb\\\\\n", slot::key_slot(b"a\tb\\"))
        );
    }

    #[test]
    fn json_escapes_non_utf8() {
        let (code, out, _) = run_with(&["--stdin", "--format", "json"], b"\xff{\xc3\xa9}\n");
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["key"], "\\xff{é}");
        assert_eq!(v[0]["tag"], "é");
        assert_eq!(v[0]["escaped"], true);
        let (_, out, _) = run_with(&["--stdin", "--format", "json"], b"");
        assert_eq!(out, "[]\n");
    }

    #[test]
    fn fast_scan_matches_naive() {
        let alphabet = b"a{}\n\r";
        let mut x: u64 = 42;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = usize::try_from(x % 40).unwrap();
            let bytes: Vec<u8> = (0..len)
                .map(|i| alphabet[usize::try_from((x >> (i % 60)) % 5).unwrap()])
                .collect();
            for start in 0..=bytes.len() {
                let end = bytes[start..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(bytes.len(), |i| start + i);
                let brace = bytes[start..end].contains(&b'{');
                assert_eq!(
                    fast::scan_line(&bytes, start),
                    (end, brace),
                    "{bytes:?} {start}"
                );
            }
        }
        let mut out = Vec::new();
        let input = b"foo\r\n{user1000}.following\n\nfoo{}{bar}\nx{y";
        plain_lines(input, &mut out);
        let mut expected = Vec::new();
        for_each_key(input, |key| {
            expected.extend_from_slice(format!("{}\t", slot::key_slot(key)).as_bytes());
            expected.extend_from_slice(key);
            expected.push(b'\n');
        });
        assert_eq!(out, expected);
    }

    #[test]
    fn split_lines_keeps_whole_lines() {
        let text = b"a\nbb\nccc\ndddd\n";
        for parts in 1..6 {
            let pieces = split_lines(text, parts);
            assert_eq!(pieces.concat(), text);
            assert!(pieces.iter().all(|p| p.is_empty() || p.ends_with(b"\n")));
        }
    }

    #[test]
    fn itoa() {
        for n in [0u16, 7, 10, 99, 100, 12182, 16383, u16::MAX] {
            let mut buf = Vec::new();
            push_u16(&mut buf, n);
            assert_eq!(buf, n.to_string().as_bytes());
        }
    }

    #[test]
    fn no_keys_is_usage_error() {
        let (code, _, err) = run_with(&[], b"");
        assert_eq!(code, 2);
        assert!(err.contains("no keys given"));
    }
}
