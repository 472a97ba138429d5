//! The command line: arguments, subcommands, and the `check` run from paths to
//! exit code.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::analysis;
use crate::discover::{self, Target};
use crate::finding::{Finding, Severity};
use crate::report::{self, Format, Located};
use crate::rules::{self, Options};
use crate::slot_cmd::{self, SlotArgs};
use crate::source::SourceFile;

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
}

/// Arguments of `slotlint check`.
#[derive(Args, Default)]
struct CheckArgs {
    /// Files or directories to lint (default: the current directory)
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Option<Format>,
    /// Lowest severity that makes the exit code 1
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: Option<FailOn>,
    /// A YAML key schema to check (repeatable); `*.keys.yaml` files found in PATHs are schemas too
    #[arg(long, value_name = "FILE")]
    schema: Vec<PathBuf>,
    /// When to color the human output (NO_COLOR is respected)
    #[arg(long, value_enum, default_value = "auto")]
    color: Option<ColorChoice>,
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
    let stderr = &mut io::stderr().lock();
    let result = match cli.command {
        None => check(&cli.check, stdout, stderr),
        Some(Command::Check(args)) => check(&args, stdout, stderr),
        Some(Command::Slot(args)) => Ok(slot_cmd::run(&args, &mut io::stdin().lock(), stdout, stderr)),
        Some(Command::Explain { rule }) => explain(&rule, stdout, stderr),
        Some(Command::Rules) => list_rules(stdout),
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
        writeln!(stderr, "slotlint: error: unknown rule `{rule}` (see `slotlint rules`)")?;
        return Ok(EXIT_USAGE);
    };
    stdout.write_all(rule.doc().as_bytes())?;
    Ok(EXIT_OK)
}

fn list_rules(stdout: &mut dyn Write) -> io::Result<i32> {
    for rule in rules::RULES {
        writeln!(
            stdout,
            "{}  {:<24} {:<8} {}",
            rule.id(),
            rule.name(),
            rule.default_severity(),
            rule.summary()
        )?;
    }
    Ok(EXIT_OK)
}

fn check(args: &CheckArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> io::Result<i32> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut targets = match discover::targets(&paths, &args.schema) {
        Ok(t) => t,
        Err(e) => {
            writeln!(stderr, "slotlint: error: {e}")?;
            return Ok(EXIT_USAGE);
        }
    };
    for skipped in targets.notes.drain(..) {
        writeln!(stderr, "slotlint: note: {skipped}")?;
    }
    let options = Options::default();
    let results = discover::parallel_map(&targets.files, |t: &Target| {
        match std::fs::read(&t.path) {
            Ok(bytes) => {
                let file = SourceFile::new(t.display.clone(), bytes);
                let result = analysis::analyze(&file, t.kind, &options);
                Ok((file, result))
            }
            Err(e) => Err(format!("{}: cannot read: {e}", t.display)),
        }
    });

    let mut fatal = false;
    let mut located: Vec<(usize, Finding)> = Vec::new();
    let mut files = Vec::new();
    for result in results {
        match result {
            Err(message) => writeln!(stderr, "slotlint: warning: {message}")?,
            Ok((file, result)) => {
                if let Some(message) = &result.fatal {
                    writeln!(stderr, "slotlint: error: {message}")?;
                    fatal = true;
                }
                for p in &result.problems {
                    let (line, col) = file.line_col(p.span.start);
                    writeln!(stderr, "{}:{line}:{col}: note: {} (line skipped)", file.path, p.message)?;
                }
                let index = files.len();
                located.extend(result.findings.into_iter().map(|f| (index, f)));
                files.push(file);
            }
        }
    }
    if fatal {
        return Ok(EXIT_USAGE);
    }
    let items = sorted_items(&files, &located);
    let color = use_color(args.color.unwrap_or(ColorChoice::Auto));
    report::render(args.format.unwrap_or(Format::Human), &items, color, stdout)?;
    let fail_at = match args.fail_on.unwrap_or(FailOn::Warning) {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    Ok(if items.iter().any(|i| i.finding.severity >= fail_at) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
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
        (&a.file.path, a.finding.span.start, a.finding.rule, &a.finding.message, a.finding.span.end).cmp(&(
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
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal(),
    }
}
