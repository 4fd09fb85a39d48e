//! Reading, merging and checking config files.
//!
//! Owns the order (defaults < user file < repo file), the merge rule (tables merge key by key,
//! everything else, lists included, is replaced) and turning serde/toml errors into messages
//! that name file, line and key.

use super::{validate, Config, ConfigError, DEFAULT_TOML};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Which files to read.
#[derive(Clone, Debug, Default)]
pub struct ConfigSources {
    /// The user's config file.
    pub user_file: Option<PathBuf>,
    /// True when the user named the file (`--config`): then it must exist.
    pub user_file_required: bool,
    /// The target repo's root; its `.conclave.toml` is read if present.
    pub repo: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct Loaded {
    pub config: Config,
    /// The files that were read, in merge order.
    pub files: Vec<PathBuf>,
}

struct Source {
    name: String,
    text: String,
    table: Table,
}

pub fn load(src: &ConfigSources) -> Result<Loaded, ConfigError> {
    let mut merged = Table::new();
    let mut sources = vec![parse("built-in defaults", DEFAULT_TOML, &merged)?];
    merge(&mut merged, sources[0].table.clone());
    let mut files = Vec::new();
    let repo_file = src.repo.as_ref().map(|r| r.join(".conclave.toml"));
    let wanted = [
        src.user_file.clone().map(|f| (f, src.user_file_required)),
        repo_file.map(|f| (f, false)),
    ];
    for (i, entry) in wanted.into_iter().enumerate() {
        let Some((f, required)) = entry else {
            continue;
        };
        if let Some(s) = read_optional(&f, required, &merged)? {
            if i == 1 {
                refuse_user_only_tables(&s)?;
            }
            merge(&mut merged, s.table.clone());
            sources.push(s);
            files.push(f);
        }
    }
    let text = toml::to_string(&merged).unwrap_or_default();
    let config = deserialize("merged configuration", &text)?;
    if let Some((key, message)) = validate::check(&config).into_iter().next() {
        // Blame the last file that sets the key's top-level table.
        let top = key.split(['.', '[']).next().unwrap_or_default().to_string();
        let blamed = sources
            .iter()
            .rev()
            .find(|s| s.table.contains_key(&top))
            .unwrap_or(&sources[0]);
        return Err(ConfigError {
            file: blamed.name.clone(),
            line: locate(&blamed.text, &key),
            key,
            message,
        });
    }
    Ok(Loaded { config, files })
}

/// The repository being worked on must not loosen its own sandbox (`mode = "off"`,
/// `write = ["/"]`) nor start programs of its choosing as MCP servers: `[sandbox]` and
/// `[[mcp]]` are taken only from the user's files.
fn refuse_user_only_tables(s: &Source) -> Result<(), ConfigError> {
    const WHY: [(&str, &str); 2] = [
        (
            "sandbox",
            "a repository's .conclave.toml cannot set [sandbox] (the code being worked on \
             must not loosen its own confinement); move it to your config.toml",
        ),
        (
            "mcp",
            "a repository's .conclave.toml cannot name [[mcp]] servers (it could start any \
             program on your machine); move the entry to your config.toml",
        ),
    ];
    let Some((key, why)) = WHY.iter().find(|(k, _)| s.table.contains_key(*k)) else {
        return Ok(());
    };
    let line = s
        .text
        .lines()
        .position(|l| {
            let l = l.trim_start().trim_start_matches('[');
            l.strip_prefix(key)
                .is_some_and(|r| r.starts_with([']', '.', ' ', '=']))
        })
        .map(|n| n + 1);
    Err(ConfigError {
        file: s.name.clone(),
        line,
        key: key.to_string(),
        message: why.to_string(),
    })
}

fn read_optional(
    path: &Path,
    required: bool,
    below: &Table,
) -> Result<Option<Source>, ConfigError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&path.display().to_string(), &text, below).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
        Err(e) => Err(ConfigError {
            file: path.display().to_string(),
            line: None,
            key: "(file)".into(),
            message: format!("cannot read it ({e}); check the path given to --config"),
        }),
    }
}

/// Parses one file on its own, so its errors carry its own name and lines. A file may set
/// only part of a table the files `below` it define (`providers.gpt.model = ...`): what is
/// valid once merged over them is accepted.
fn parse(name: &str, text: &str, below: &Table) -> Result<Source, ConfigError> {
    let table: Table = text.parse().map_err(|e: toml::de::Error| ConfigError {
        file: name.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        key: "(syntax)".into(),
        message: format!("not valid TOML: {}", e.message()),
    })?;
    if let Err(alone) = deserialize(name, text) {
        let mut merged = below.clone();
        merge(&mut merged, table.clone());
        let merged_text = toml::to_string(&merged).unwrap_or_default();
        if deserialize(name, &merged_text).is_err() {
            return Err(alone);
        }
    }
    Ok(Source {
        name: name.to_string(),
        text: text.to_string(),
        table,
    })
}

fn deserialize(name: &str, text: &str) -> Result<Config, ConfigError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize::<_, Config>(de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let line = inner
            .span()
            .map(|s| line_of(text, s.start))
            .or_else(|| locate(text, &key));
        ConfigError {
            file: name.to_string(),
            line,
            key,
            message: inner.message().trim().to_string(),
        }
    })
}

fn merge(base: &mut Table, over: Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Best-effort line of a key like `agents[1].provider` or `run.level` in a file's text.
pub(super) fn locate(text: &str, key: &str) -> Option<usize> {
    let segs: Vec<&str> = key.split('.').collect();
    let (leaf, tables) = segs.split_last()?;
    let leaf = leaf.split('[').next().unwrap_or(leaf);
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    let mut prefix = String::new();
    for seg in tables {
        let (name, idx) = match seg.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (*seg, None),
        };
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str(name);
        if let Some(i) = idx {
            let header = format!("[[{prefix}]]");
            start = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.trim() == header)
                .nth(i)
                .map(|(n, _)| n)?;
        }
    }
    if !tables.iter().any(|s| s.contains('[')) && !prefix.is_empty() {
        let header = format!("[{prefix}]");
        if let Some(n) = lines.iter().position(|l| l.trim() == header) {
            start = n;
        }
    }
    let is_key = |l: &str, k: &str| {
        l.trim_start()
            .strip_prefix(k)
            .is_some_and(|r| r.trim_start().starts_with('='))
    };
    lines[start..]
        .iter()
        .position(|l| is_key(l, leaf))
        .map(|n| start + n + 1)
        .or_else(|| lines.iter().position(|l| is_key(l, key)).map(|n| n + 1))
}
