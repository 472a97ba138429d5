//! The command line: arguments, subcommands, and the `check` run from paths to
//! exit code.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis;
use crate::baseline::{self, Baseline};
use crate::config::Config;
use crate::discover::{self, Target, WalkOptions};
use crate::finding::{Certainty, Finding, Severity};
use crate::init;
use crate::project::Project;
use crate::report::{self, Format, Located};
use crate::rules;
use crate::slot_cmd::{self, SlotArgs};
use crate::source::{self, SourceFile, Unread};

/// Exit code: nothing at or above the fail level.
pub const EXIT_OK: i32 = 0;
/// Exit code: findings at or above the fail level.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage, configuration or schema error.
pub const EXIT_USAGE: i32 = 2;

#[derive(Parser)]
#[command(
    name = "slotlint",
    version,
    about = "Static analyzer for Redis Cluster key usage",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and directories (the default command)
    Check(CheckArgs),
    /// Slot, hash tag and node of concrete keys
    Slot(SlotArgs),
    /// Print a rule's documentation
    Explain {
        /// Rule id (SL004) or name (hot-slot-tag)
        rule: String,
    },
    /// List the rules
    Rules,
    /// Serve diagnostics to an editor: a language server on stdin/stdout
    Lsp,
    /// Write a commented starter slotlint.yaml in the current directory
    Init {
        /// Replace an existing slotlint.yaml
        #[arg(long)]
        force: bool,
    },
}

/// Arguments of `slotlint check`.
#[derive(Args, Default)]
struct CheckArgs {
    /// Files or directories to lint (default: the current directory)
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format: human (default), gcc, json, json-lines, sarif, github;
    /// `FORMAT=FILE` writes it to FILE. Repeatable: one run can write several
    /// formats (`--format github --format sarif=slotlint.sarif`), at most one
    /// of them to standard output
    #[arg(long, value_name = "FORMAT[=FILE]", value_parser = parse_output)]
    format: Vec<Output>,
    /// Write the output to FILE instead of standard output (the format given
    /// by the one `--format` without `=FILE`, or human)
    #[arg(long, short = 'o', value_name = "FILE")]
    output_file: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: Option<FailOn>,
    /// Drop findings less certain than this (overrides the config's `min-certainty`)
    #[arg(long, value_enum, value_name = "CERTAINTY")]
    min_certainty: Option<MinCertainty>,
    /// A YAML key schema to check (repeatable); `*.keys.yaml` files found in PATHs are schemas too
    #[arg(long, value_name = "FILE")]
    schema: Vec<PathBuf>,
    /// When to color the human output (`NO_COLOR` is respected)
    #[arg(long, value_enum, default_value = "auto")]
    color: Option<ColorChoice>,
    /// Use this config file instead of looking for slotlint.yaml
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    config: Option<PathBuf>,
    /// Ignore any slotlint.yaml
    #[arg(long)]
    no_config: bool,
    /// The name of the text read from standard input (PATH `-`): picks the
    /// language and the path shown (default: `-`, a redis-cli file)
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<PathBuf>,
    /// Skip explicitly named files that ignore files, hidden-file rules or the
    /// config's `exclude` would skip (for pre-commit, which names every staged file)
    #[arg(long)]
    force_exclude: bool,
    /// Apply the fixes proven safe (the keys then share a slot for every
    /// value) to the files, then report what is left
    #[arg(long)]
    fix: bool,
    /// Threads for walking and analysis (0: one per core; 1: serial)
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    threads: usize,
    #[command(flatten)]
    output: OutputArgs,
}

/// What `slotlint check` reports: baseline, statistics, quiet.
#[derive(Args, Default)]
struct OutputArgs {
    /// Print the findings and nothing else: no summary line, no notes
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Print how many findings each rule has instead of the findings
    #[arg(long)]
    statistics: bool,
    /// Report only the findings that this baseline file does not record
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record the current findings in a baseline file (for `--baseline`) and exit 0
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

/// One output of `check`: a format, and the file it goes to (standard
/// output when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Output {
    format: Format,
    file: Option<PathBuf>,
}

/// `FORMAT` or `FORMAT=FILE`.
fn parse_output(text: &str) -> Result<Output, String> {
    let (name, file) = match text.split_once('=') {
        Some((_, "")) => return Err(format!("`{text}` names no file after `=`")),
        Some((name, file)) => (name, Some(PathBuf::from(file))),
        None => (text, None),
    };
    let format = Format::from_str(name, false).map_err(|_| {
        let known: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("unknown format `{name}` (known: {})", known.join(", "))
    })?;
    Ok(Output { format, file })
}

/// The outputs of a run: `--format`s with `--output-file` given to the one
/// without a file (human when there is none). At most one goes to standard
/// output, and no two to one file.
fn outputs(args: &CheckArgs) -> Result<Vec<Output>, String> {
    let mut outputs = args.format.clone();
    let to_stdout = outputs.iter().filter(|o| o.file.is_none()).count();
    if outputs.is_empty() || (to_stdout == 0 && args.output_file.is_some()) {
        outputs.insert(
            0,
            Output {
                format: Format::Human,
                file: None,
            },
        );
    }
    if outputs.iter().filter(|o| o.file.is_none()).count() > 1 {
        return Err("only one `--format` can write to standard output; \
             give the others a file: `--format sarif=slotlint.sarif`"
            .into());
    }
    if let Some(file) = &args.output_file {
        if let Some(o) = outputs.iter_mut().find(|o| o.file.is_none()) {
            o.file = Some(file.clone());
        }
    }
    for (i, o) in outputs.iter().enumerate() {
        let Some(file) = &o.file else { continue };
        if outputs[..i].iter().any(|p| p.file.as_ref() == Some(file)) {
            return Err(format!(
                "two formats cannot both be written to `{}`",
                file.display()
            ));
        }
    }
    Ok(outputs)
}

#[derive(Clone, Copy, ValueEnum)]
enum MinCertainty {
    Proven,
    Likely,
    Possible,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Parses the command line, runs it, and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    let stdout = &mut io::stdout().lock();
    // Not locked for the whole run: a line a worker thread writes there
    // (a debugging print) must not wait on the main thread.
    let stderr = &mut io::stderr();
    let result = match cli.command {
        None => check(&cli.check, stdout, stderr),
        Some(Command::Check(args)) => check(&args, stdout, stderr),
        Some(Command::Slot(args)) => Ok(slot_cmd::run(
            &args,
            &mut io::stdin().lock(),
            stdout,
            stderr,
        )),
        Some(Command::Explain { rule }) => explain(&rule, stdout, stderr),
        Some(Command::Rules) => list_rules(stdout),
        Some(Command::Lsp) => crate::lsp::run(Box::new(io::BufReader::new(io::stdin())), stdout),
        Some(Command::Init { force }) => {
            std::env::current_dir().and_then(|dir| init::run(&dir, force, stdout, stderr))
        }
    };
    match result {
        Ok(code) => code,
        // A closed pipe (`slotlint … | head`) is not an error worth a message.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            let _ = writeln!(stderr, "slotlint: error: {e}");
            EXIT_USAGE
        }
    }
}

fn explain(rule: &str, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let Some(rule) = rules::find(rule) else {
        writeln!(
            stderr,
            "slotlint: error: unknown rule `{rule}` (see `slotlint rules`)"
        )?;
        return Ok(EXIT_USAGE);
    };
    // The page without its front matter (the same facts `rules` lists).
    let doc = rule.doc();
    let body = doc
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(doc, |(_, body)| body.trim_start_matches('\n'));
    stdout.write_all(body.as_bytes())?;
    Ok(EXIT_OK)
}

fn list_rules(stdout: &mut dyn Write) -> io::Result<i32> {
    for rule in rules::RULES {
        writeln!(
            stdout,
            "{}  {:<24} {:<8} {}",
            rule.id(),
            rule.name(),
            rule.default_severity().as_str(),
            rule.summary()
        )?;
    }
    Ok(EXIT_OK)
}

/// The config of a `check` run: found from the working directory (or
/// named, or none), with the command line's `--min-certainty`.
fn check_config(args: &CheckArgs) -> io::Result<Result<Config, String>> {
    let mut config = if args.no_config {
        Config::default()
    } else {
        let cwd = std::env::current_dir()?;
        match Config::discover(&cwd, args.config.as_deref()) {
            Ok(c) => c,
            Err(e) => return Ok(Err(e)),
        }
    };
    if let Some(min) = args.min_certainty {
        config.min_certainty = Some(match min {
            MinCertainty::Proven => Certainty::Proven,
            MinCertainty::Likely => Certainty::Likely,
            MinCertainty::Possible => Certainty::Possible,
        });
    }
    Ok(Ok(config))
}

fn check(args: &CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let outputs = match outputs(args) {
        Ok(o) => o,
        Err(e) => {
            writeln!(stderr, "slotlint: error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let config = match check_config(args)? {
        Ok(c) => c,
        Err(e) => {
            writeln!(stderr, "slotlint: error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    let cwd = std::env::current_dir()?;
    let threads = discover::threads(args.threads);
    let mut targets = match find_targets(args, &config, threads) {
        Ok(t) => t,
        Err(e) => {
            writeln!(stderr, "slotlint: error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    for skipped in targets.notes.drain(..).filter(|_| !args.output.quiet) {
        writeln!(stderr, "slotlint: note: {skipped}")?;
    }
    let fixed = std::sync::atomic::AtomicUsize::new(0);
    let limit = config.max_file_size();
    let stdin_text = if targets.files.iter().any(|t| t.stdin) {
        match source::read_stream(io::stdin().lock(), limit) {
            Err(Unread::Io(e)) => return Err(e),
            read => read,
        }
    } else {
        Ok(Vec::new())
    };
    let mut options = config.run_options(&args.schema);
    let project = Arc::new(Project::new());
    let functions = crate::functions::collect(
        &targets.files,
        threads,
        stdin_text.as_deref().unwrap_or_default(),
        &config,
        &project,
    );
    if !functions.is_empty() {
        options.functions = Some(Arc::new(functions));
    }
    let options = Arc::new(options);
    let config = Arc::new(config);
    let results = discover::parallel_map(&targets.files, threads, |t: &Target| {
        let linted = read_and_lint(t, &stdin_text, &config, &options, &project)?;
        let Some((file, result)) = linted else {
            return Ok(None);
        };
        fix_target(
            args.fix, t, file, result, &config, &options, &project, &fixed,
        )
        .map(Some)
        .map_err(|e| (false, e))
    });

    let mut fatal = false;
    let mut located: Vec<(usize, Finding)> = Vec::new();
    let mut files = Vec::new();
    for result in results {
        match result {
            Err((true, note)) if args.output.quiet => drop(note),
            Err((true, note)) => writeln!(stderr, "slotlint: note: {note}")?,
            Err((false, message)) => writeln!(stderr, "slotlint: warning: {message}")?,
            Ok(None) => {}
            Ok(Some((file, result))) => {
                if let Some(message) = &result.fatal {
                    writeln!(stderr, "slotlint: error: {message}")?;
                    fatal = true;
                }
                for p in result.problems.iter().filter(|_| !args.output.quiet) {
                    let (line, col) = file.line_col(p.span.start);
                    writeln!(
                        stderr,
                        "{}:{line}:{col}: note: {} (line skipped)",
                        file.path, p.message
                    )?;
                }
                let index = files.len();
                located.extend(result.findings.into_iter().map(|f| (index, f)));
                files.push(file);
            }
        }
    }
    fix_note(args, fixed.into_inner(), stderr)?;
    // A broken schema is the user's configuration mistake (exit 2), but the
    // other files' findings are still shown; no baseline is written from a
    // run that could not read everything.
    if fatal && args.output.write_baseline.is_some() {
        return Ok(EXIT_USAGE);
    }
    let items = sorted_items(&files, &located);
    let code = finish(args, &outputs, &cwd, &targets.files, items, stdout, stderr)?;
    Ok(if fatal { EXIT_USAGE } else { code })
}

/// What reading and linting one file gave: `None` for a file with nothing to
/// show; `Err((note, message))` for a file not analyzed, `note` when that is
/// the file's nature (too big, a FIFO, too slow) rather than a failure.
type Linted = Result<Option<(SourceFile, analysis::FileResult)>, (bool, String)>;

/// The read path of one target: its bytes within `max-file-size` (from
/// `stdin` for `-`), decoded, prefiltered, then analyzed within `max-file-time`.
fn read_and_lint(
    t: &Target,
    stdin: &Result<Vec<u8>, Unread>,
    config: &Arc<Config>,
    options: &Arc<rules::Options>,
    project: &Arc<Project>,
) -> Linted {
    let bytes = if t.stdin {
        match stdin {
            Ok(bytes) => Ok(bytes.clone()),
            Err(Unread::TooBig { size, limit }) => Err(Unread::TooBig {
                size: *size,
                limit: *limit,
            }),
            Err(e) => Err(Unread::Io(io::Error::other(e.to_string()))),
        }
    } else {
        source::read_file(&t.path, config.max_file_size())
    };
    match bytes.and_then(source::decode) {
        // No Redis-looking token: nothing for the front-end to find.
        Ok(text) if !t.language.prefilter(&text) => Ok(None),
        Ok(text) => {
            let file = SourceFile::new(t.display.clone(), text).at(&t.path);
            let within = config.max_file_time();
            let Some((file, result)) =
                analysis::lint_within(file, t.language, config, options, project, within)
            else {
                let why = format!("analysis took longer than `max-file-time` ({within:?})");
                return Err((true, format!("{}: {why}; skipped", t.display)));
            };
            // Only files with something to show stay in memory.
            let keep = !result.findings.is_empty()
                || !result.problems.is_empty()
                || result.fatal.is_some();
            Ok(keep.then_some((file, result)))
        }
        Err(e @ Unread::Io(_)) => Err((false, format!("{}: {e}", t.display))),
        Err(e) => Err((true, format!("{}: {e}; skipped", t.display))),
    }
}

/// `--fix` on one file (when `fix`): its safe fixes applied and written,
/// and the findings left; counts the fixes in `fixed`.
#[allow(clippy::too_many_arguments)]
fn fix_target(
    fix: bool,
    t: &Target,
    file: SourceFile,
    result: analysis::FileResult,
    config: &Config,
    options: &rules::Options,
    project: &Project,
    fixed: &std::sync::atomic::AtomicUsize,
) -> Result<(SourceFile, analysis::FileResult), String> {
    if !fix {
        return Ok((file, result));
    }
    let relint = |f: &SourceFile| analysis::lint(f, t.language, config, options, project);
    let (file, result, n) = crate::fix::fix_file(&t.path, file, result, relint)
        .map_err(|e| format!("{}: cannot write the fixes: {e}", t.display))?;
    fixed.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    Ok((file, result))
}

/// The note of a `--fix` run: how many fixes it applied.
fn fix_note(args: &CheckArgs, fixed: usize, stderr: &mut dyn Write) -> io::Result<()> {
    if args.fix && !args.output.quiet {
        let es = if fixed == 1 { "" } else { "es" };
        writeln!(stderr, "slotlint: note: applied {fixed} fix{es}")?;
    }
    Ok(())
}

/// The end of `check`: writes or applies the baseline, prints the findings
/// (or their statistics), and returns the exit code.
fn finish(
    args: &CheckArgs,
    outputs: &[Output],
    cwd: &Path,
    analyzed: &[Target],
    mut items: Vec<Located<'_>>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> io::Result<i32> {
    let out = &args.output;
    if let Some(path) = &out.write_baseline {
        return match baseline::write(path, cwd, &items) {
            Ok(n) => {
                if !out.quiet {
                    let s = if n == 1 { "" } else { "s" };
                    let path = path.display();
                    writeln!(stderr, "slotlint: note: recorded {n} finding{s} in {path}")?;
                }
                Ok(EXIT_OK)
            }
            Err(e) => {
                writeln!(stderr, "slotlint: error: {e}")?;
                Ok(EXIT_USAGE)
            }
        };
    }
    if let Some(path) = &out.baseline {
        let baseline = match Baseline::load(path, cwd) {
            Ok(b) => b,
            Err(e) => {
                writeln!(stderr, "slotlint: error: {e}")?;
                return Ok(EXIT_USAGE);
            }
        };
        let analyzed: Vec<&str> = analyzed.iter().map(|t| t.display.as_str()).collect();
        let stale = baseline.filter(cwd, &analyzed, &mut items);
        if stale > 0 && !out.quiet {
            let s = if stale == 1 { "y matches" } else { "ies match" };
            writeln!(
                stderr,
                "slotlint: note: {stale} baseline entr{s} no finding any more; \
                 `--write-baseline` rewrites the baseline"
            )?;
        }
    }
    let fail_at = match args.fail_on.unwrap_or(FailOn::Warning) {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let code = if items.iter().any(|i| i.finding.severity >= fail_at) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    let mut unwritten = false;
    for output in outputs {
        let Some(path) = &output.file else {
            let color = use_color(args.color.unwrap_or(ColorChoice::Auto));
            match render(args, output.format, &items, color, stdout).and_then(|()| stdout.flush()) {
                // A reader that stopped (`| head`) ends the output, not the verdict.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
                written => written?,
            }
            continue;
        };
        let mut text = Vec::new();
        render(args, output.format, &items, false, &mut text)?;
        if let Err(e) = std::fs::write(path, text) {
            writeln!(
                stderr,
                "slotlint: error: {}: cannot write: {e}",
                path.display()
            )?;
            unwritten = true;
        }
    }
    Ok(if unwritten { EXIT_USAGE } else { code })
}

/// The findings in one format (their statistics with `--statistics`), with
/// the summary line after the human format unless `--quiet`.
fn render(
    args: &CheckArgs,
    format: Format,
    items: &[Located<'_>],
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    if args.output.statistics {
        let json = matches!(format, Format::Json | Format::JsonLines);
        return report::statistics::render(items, json, out);
    }
    report::render(format, items, color, out)?;
    if format == Format::Human && !args.output.quiet {
        report::summary(items, out)?;
    }
    Ok(())
}

/// The files of a `check` run: the paths (`.` by default, `-` with just
/// `--stdin-filename`), walked with the config's `include`/`exclude` (relative
/// to its directory), plus the schema files.
fn find_targets(
    args: &CheckArgs,
    config: &Config,
    threads: usize,
) -> Result<discover::Targets, String> {
    let paths = match (args.paths.is_empty(), &args.stdin_filename) {
        (true, Some(_)) => vec![PathBuf::from("-")],
        (true, None) => vec![PathBuf::from(".")],
        (false, _) => args.paths.clone(),
    };
    if args.fix && paths.iter().any(|p| p.as_os_str() == "-") {
        return Err("`--fix` rewrites files; it cannot fix standard input".into());
    }
    if args.stdin_filename.is_some() && !paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(
            "`--stdin-filename` names the text read from `-`, which is not among the paths".into(),
        );
    }
    // An editor linting one buffer (`-` alone) wants that buffer's findings,
    // not those of the config's schema files.
    let only_stdin = paths.iter().all(|p| p.as_os_str() == "-");
    let config_schemas = if only_stdin {
        &[][..]
    } else {
        &config.schemas[..]
    };
    let schemas: Vec<PathBuf> = config_schemas.iter().chain(&args.schema).cloned().collect();
    let config_dir = config.path.as_deref().and_then(Path::parent);
    let filter = discover::Filter::new(
        config_dir.unwrap_or(Path::new(".")),
        &config.include,
        &config.exclude,
    )?;
    let walk = WalkOptions {
        filter: Arc::new(filter),
        force_exclude: args.force_exclude,
        threads,
        stdin_filename: args.stdin_filename.clone(),
        max_file_size: config.max_file_size(),
    };
    discover::targets(&paths, &schemas, &walk)
}

/// Findings sorted by (path, line, column, rule) and deduplicated, so output
/// is the same run to run whatever the thread count.
fn sorted_items<'a>(files: &'a [SourceFile], located: &'a [(usize, Finding)]) -> Vec<Located<'a>> {
    let mut items: Vec<Located<'a>> = located
        .iter()
        .map(|(i, finding)| Located {
            file: &files[*i],
            finding,
        })
        .collect();
    items.sort_by(|a, b| {
        (
            &a.file.path,
            a.finding.span.start,
            a.finding.rule,
            &a.finding.message,
            a.finding.span.end,
        )
            .cmp(&(
                &b.file.path,
                b.finding.span.start,
                b.finding.rule,
                &b.finding.message,
                b.finding.span.end,
            ))
    });
    items.dedup_by(|a, b| a.file.path == b.file.path && a.finding == b.finding);
    items
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explain_prints_the_page_without_front_matter() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(
            explain("undeclared-key", &mut out, &mut err).unwrap(),
            EXIT_OK
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("# SL011 undeclared-key\n"), "{text}");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(explain("SL999", &mut out, &mut err).unwrap(), EXIT_USAGE);
        assert!(out.is_empty());
    }

    #[test]
    fn rules_line_up_in_columns() {
        let mut out = Vec::new();
        list_rules(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count(), rules::RULES.len());
        // Id, name and severity are padded: every summary starts in one column.
        let starts: Vec<Option<usize>> = text
            .lines()
            .zip(rules::RULES)
            .map(|(l, r)| l.find(r.summary()))
            .collect();
        assert!(starts[0].is_some());
        assert!(starts.iter().all(|&s| s == starts[0]), "{text}");
    }
}
