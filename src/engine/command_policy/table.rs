//! The one table of prefix rules: for each program, which forms of it have which grade, and
//! which are on the deny-list. `grade.rs` finds the program (past wrappers and assignments)
//! and the rows that match; the command's grade is the most dangerous matching row.
//!
//! Owns the rows and what a row's condition means. Must not parse shell syntax or look at
//! paths (that is `parse.rs` and `grade.rs`). Every row has an example that the tests grade.

use super::grade::Grade::{self, *};

/// When a row applies to a program's arguments (the words after the program; for git, the
/// words after its global options).
#[derive(Clone, Copy, Debug)]
pub enum When {
    /// The program's grade when no other row of it matches.
    Always,
    /// Its subcommand (first word not starting with `-`) is one of these.
    Sub(&'static [&'static str]),
    /// Its subcommand is the first, and one of the option words (below) is present.
    SubWith(&'static str, &'static [&'static str]),
    /// Its subcommand is the first, and none of these option words is present.
    SubWithout(&'static str, &'static [&'static str]),
    /// Its subcommand is the first, and it has no other words than these.
    SubOnly(&'static str, &'static [&'static str]),
    /// Its subcommand is the first, and it has some word not among these.
    SubBeyond(&'static str, &'static [&'static str]),
    /// An option is present: a long one (`--in-place`, also `--in-place=…`), a word
    /// (`-delete`), or a letter inside a bundle of short options (`r` in `-rf`), `-x` form.
    Opt(&'static [&'static str]),
    /// One of git's global options (before its subcommand) is present.
    Global(&'static [&'static str]),
    /// Some word starts with this (`of=/dev/`).
    WordStarts(&'static str),
    /// These words appear in a row (`-m pip install`).
    Seq(&'static [&'static str]),
    /// No words at all (a shell or interpreter reading commands from its input).
    Bare,
    /// A check of the program's own, given git's global options and the other words (`sed`
    /// scripts that write or run, `git -c` keys that run commands).
    Check(fn(&[String], &[String]) -> bool),
}

#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub program: &'static str,
    pub when: When,
    pub grade: Grade,
    /// On the deny-list: a person decides at every level.
    pub denied: bool,
    /// It needs the network when it is allowed to run (the runner's grant).
    pub network: bool,
    /// Why, as the decision's reason says it ("deletes a directory tree").
    pub why: &'static str,
    /// A command this row must grade (exercised by the tests).
    pub example: &'static str,
}

const fn r(
    program: &'static str,
    when: When,
    grade: Grade,
    why: &'static str,
    example: &'static str,
) -> Row {
    Row {
        program,
        when,
        grade,
        denied: false,
        network: matches!(grade, Network),
        why,
        example,
    }
}

const fn deny(program: &'static str, when: When, why: &'static str, example: &'static str) -> Row {
    Row {
        program,
        when,
        grade: Destructive,
        denied: true,
        network: false,
        why,
        example,
    }
}

/// On the deny-list, and needing the network once a person allows it (`git push`).
const fn deny_net(
    program: &'static str,
    when: When,
    why: &'static str,
    example: &'static str,
) -> Row {
    Row {
        network: true,
        ..deny(program, when, why, example)
    }
}

use When::*;

const GIT_READ: &[&str] = &[
    "status",
    "diff",
    "log",
    "show",
    "blame",
    "ls-files",
    "ls-tree",
    "rev-parse",
    "cat-file",
    "grep",
    "shortlog",
    "describe",
    "name-rev",
    "merge-base",
    "diff-tree",
    "diff-index",
    "show-ref",
    "for-each-ref",
    "count-objects",
    "rev-list",
    "version",
    "help",
    "whatchanged",
    "check-ignore",
    "check-attr",
    "var",
];
const GIT_WRITE: &[&str] = &[
    "add",
    "commit",
    "rm",
    "mv",
    "apply",
    "merge",
    "cherry-pick",
    "revert",
    "am",
    "restore",
    "format-patch",
    "mergetool",
    "init",
];
const GIT_REFS: &[&str] = &[
    "update-ref",
    "symbolic-ref",
    "replace",
    "notes",
    "worktree",
    "filter-branch",
    "filter-repo",
    "update-index",
    "pack-refs",
];
const GIT_DESTROY: &[&str] = &["rebase", "gc", "prune", "checkout", "switch"];
const BRANCH_LIST: &[&str] = &[
    "-a",
    "-l",
    "--list",
    "-v",
    "-vv",
    "-r",
    "--all",
    "--show-current",
    "--merged",
    "--no-merged",
];
const TAG_LIST: &[&str] = &["-l", "--list", "-n"];
const REMOTE_LIST: &[&str] = &["-v", "--verbose"];
const CONFIG_READ: &[&str] = &["--get", "--get-all", "--get-regexp", "-l", "--list"];
const SHELLS: [&str; 6] = ["sh", "bash", "zsh", "dash", "ksh", "fish"];

/// The table. Programs not in it write the worktree (`unknown`).
#[rustfmt::skip]
pub const TABLE: &[Row] = &[
    // Read-only tools.
    r("ls", Always, ReadOnly, "lists files", "ls -la"),
    r("cat", Always, ReadOnly, "reads files", "cat src/main.rs"),
    r("head", Always, ReadOnly, "reads files", "head -n 5 a.txt"),
    r("tail", Always, ReadOnly, "reads files", "tail a.txt"),
    r("less", Always, ReadOnly, "reads files", "less a.txt"),
    r("wc", Always, ReadOnly, "counts", "wc -l a.txt"),
    r("grep", Always, ReadOnly, "searches", "grep -rn fn src"),
    r("egrep", Always, ReadOnly, "searches", "egrep x a.txt"),
    r("rg", Always, ReadOnly, "searches", "rg -n TODO"),
    r("pwd", Always, ReadOnly, "prints the directory", "pwd"),
    r("echo", Always, ReadOnly, "prints", "echo hello"),
    r("printf", Always, ReadOnly, "prints", "printf '%s' x"),
    r("tree", Always, ReadOnly, "lists files", "tree src"),
    r("file", Always, ReadOnly, "reads files", "file a.txt"),
    r("stat", Always, ReadOnly, "reads file data", "stat a.txt"),
    r("diff", Always, ReadOnly, "compares files", "diff a b"),
    r("uniq", Always, ReadOnly, "filters", "uniq a.txt"),
    r("cut", Always, ReadOnly, "filters", "cut -d, -f1 a.csv"),
    r("tr", Always, ReadOnly, "filters", "tr a b"),
    r("jq", Always, ReadOnly, "filters JSON", "jq .name package.json"),
    r("which", Always, ReadOnly, "finds a program", "which cargo"),
    r("true", Always, ReadOnly, "does nothing", "true"),
    r("test", Always, ReadOnly, "tests a condition", "test -f a.txt"),
    r("[", Always, ReadOnly, "tests a condition", "[ -f a.txt ]"),
    r("basename", Always, ReadOnly, "prints", "basename a/b"),
    r("dirname", Always, ReadOnly, "prints", "dirname a/b"),
    r("date", Always, ReadOnly, "prints the date", "date"),
    r("env", Bare, ReadOnly, "prints the environment", "env"),
    r("read", Always, ReadOnly, "reads a line into a variable", "read line"),
    r(":", Always, ReadOnly, "does nothing", ":"),
    r("false", Always, ReadOnly, "does nothing", "false"),
    r("sleep", Always, ReadOnly, "waits", "sleep 1"),
    r("type", Always, ReadOnly, "says what a name is", "type ls"),
    r("exit", Always, ReadOnly, "ends the shell", "exit 1"),
    r("uname", Always, ReadOnly, "prints the system's name", "uname -a"),
    r("whoami", Always, ReadOnly, "prints the user", "whoami"),
    r("id", Always, ReadOnly, "prints the user", "id"),
    r("printenv", Always, ReadOnly, "prints the environment", "printenv PATH"),
    r("realpath", Always, ReadOnly, "prints a path", "realpath src"),
    r("readlink", Always, ReadOnly, "prints a link", "readlink -f src"),
    r("du", Always, ReadOnly, "measures files", "du -sh src"),
    r("df", Always, ReadOnly, "measures disks", "df -h"),
    r("nproc", Always, ReadOnly, "counts processors", "nproc"),
    r("ps", Always, ReadOnly, "lists processes", "ps aux"),
    r("md5sum", Always, ReadOnly, "hashes files", "md5sum a.txt"),
    r("sha256sum", Always, ReadOnly, "hashes files", "sha256sum a.txt"),
    r("cmp", Always, ReadOnly, "compares files", "cmp a b"),
    r("comm", Always, ReadOnly, "compares sorted files", "comm a b"),
    r("column", Always, ReadOnly, "formats columns", "column -t a.txt"),
    r("nl", Always, ReadOnly, "numbers lines", "nl a.txt"),
    r("od", Always, ReadOnly, "dumps bytes", "od -c a.txt"),
    r("xxd", Always, ReadOnly, "dumps bytes", "xxd a.txt"),
    r("hexdump", Always, ReadOnly, "dumps bytes", "hexdump -C a.txt"),
    r("strings", Always, ReadOnly, "prints text in files", "strings a.bin"),
    r("rev", Always, ReadOnly, "reverses lines", "rev a.txt"),
    r("tac", Always, ReadOnly, "prints lines backwards", "tac a.txt"),
    r("fold", Always, ReadOnly, "wraps lines", "fold -w 80 a.txt"),
    r("paste", Always, ReadOnly, "joins lines", "paste a b"),
    r("join", Always, ReadOnly, "joins files", "join a b"),
    r("seq", Always, ReadOnly, "counts", "seq 1 5"),
    r("expr", Always, ReadOnly, "computes", "expr 1 + 2"),
    r("cal", Always, ReadOnly, "prints a calendar", "cal"),
    r("cd", Always, ReadOnly, "changes directory inside the worktree", "cd src"),
    r("sort", Always, ReadOnly, "sorts", "sort a.txt"),
    r("sort", Opt(&["o", "--output"]), WritesWorktree, "`sort -o` writes a file", "sort -o out.txt a.txt"),
    r("find", Always, ReadOnly, "lists files", "find . -name '*.rs'"),
    r("find", Opt(&["-delete"]), Destructive, "`find -delete` deletes files", "find . -name '*.o' -delete"),
    r("find", Opt(&["-exec", "-execdir", "-ok", "-okdir"]), Destructive, "`find -exec` runs a command per file", "find . -exec rm {} ;"),
    r("find", Opt(&["-fprint", "-fprint0", "-fls", "-fprintf"]), WritesWorktree, "`find -fprint` writes a file", "find . -fprint out.txt"),
    r("sed", Always, ReadOnly, "filters", "sed 's/a/b/g' a.txt"),
    r("sed", Opt(&["i", "--in-place"]), WritesWorktree, "`sed -i` edits files", "sed -i 's/a/b/' a.txt"),
    r("sed", Check(sed_writes_or_runs), Destructive, "`sed` with a `w` or `e` command writes files or runs commands", "sed -n '1w out.txt' a.txt"),
    r("gawk", Always, Destructive, "runs an awk program (it can write files and run commands)", "gawk '{print}' a.txt"),
    r("mawk", Always, Destructive, "runs an awk program (it can write files and run commands)", "mawk '{print}' a.txt"),
    // Programs that run another command in ways not read here: destructive, unread.
    r("watch", Always, Destructive, "runs another command unread", "watch ls"),
    r("flock", Always, Destructive, "runs another command unread", "flock .lock ls"),
    r("setsid", Always, Destructive, "runs another command unread", "setsid ls"),
    r("strace", Always, Destructive, "runs another command unread", "strace ls"),
    r("ltrace", Always, Destructive, "runs another command unread", "ltrace ls"),
    r("parallel", Always, Destructive, "runs another command unread", "parallel rm ::: a"),
    r("script", Always, Destructive, "runs another command unread", "script -c ls"),
    r("unbuffer", Always, Destructive, "runs another command unread", "unbuffer ls"),
    r("taskset", Always, Destructive, "runs another command unread", "taskset -c 0 ls"),
    r("ionice", Always, Destructive, "runs another command unread", "ionice -c 3 ls"),
    r("chrt", Always, Destructive, "runs another command unread", "chrt 0 ls"),
    r("numactl", Always, Destructive, "runs another command unread", "numactl ls"),
    r("fakeroot", Always, Destructive, "runs another command unread", "fakeroot ls"),
    r("unshare", Always, Destructive, "runs another command unread", "unshare ls"),
    r("nsenter", Always, Destructive, "runs another command unread", "nsenter -t 1 ls"),
    r("chroot", Always, Destructive, "runs another command unread", "chroot d ls"),
    r("busybox", Always, Destructive, "runs another command unread", "busybox rm -rf a"),
    r("entr", Always, Destructive, "runs another command unread", "entr ls"),
    r("systemd-run", Always, Destructive, "runs another command unread", "systemd-run ls"),
    r("at", Always, Destructive, "runs another command unread", "at now"),
    r("awk", Always, Destructive, "runs an awk program (it can write files and run commands)", "awk '{print}' a.txt"),
    // Writing the worktree.
    r("cp", Always, WritesWorktree, "copies files", "cp a b"),
    r("mv", Always, WritesWorktree, "moves files", "mv a b"),
    r("mkdir", Always, WritesWorktree, "makes directories", "mkdir -p out"),
    r("touch", Always, WritesWorktree, "creates files", "touch a.txt"),
    r("tee", Always, WritesWorktree, "writes files", "tee out.txt"),
    r("ln", Always, WritesWorktree, "makes links", "ln -s a b"),
    r("rmdir", Always, WritesWorktree, "removes directories", "rmdir out"),
    r("chmod", Always, WritesWorktree, "changes file modes", "chmod +x run.sh"),
    r("patch", Always, WritesWorktree, "patches files", "patch -p1 -i fix.diff"),
    r("rm", Always, WritesWorktree, "removes files", "rm a.txt"),
    r("rm", Opt(&["r", "R", "--recursive"]), Destructive, "`rm -r` deletes a directory tree", "rm -rf src"),
    r("truncate", Always, Destructive, "empties files", "truncate -s 0 a.txt"),
    r("shred", Always, Destructive, "destroys files", "shred a.txt"),
    r("make", Always, WritesWorktree, "builds", "make test"),
    r("cargo", Always, WritesWorktree, "builds and tests", "cargo build"),
    r("cargo", Sub(&["install", "publish", "login", "owner", "yank", "search"]), Network, "`cargo install`/`publish` uses the network", "cargo install ripgrep"),
    r("npm", Always, WritesWorktree, "runs package scripts", "npm test"),
    r("npm", Sub(&["install", "i", "ci", "add", "update", "publish", "exec"]), Network, "`npm install` uses the network", "npm install left-pad"),
    r("npx", Always, Network, "downloads and runs a package", "npx prettier ."),
    r("pnpm", Sub(&["install", "i", "add", "update", "publish", "dlx"]), Network, "`pnpm install` uses the network", "pnpm add x"),
    r("yarn", Sub(&["install", "add", "upgrade", "publish", "dlx"]), Network, "`yarn add` uses the network", "yarn add x"),
    r("pip", Sub(&["install", "download", "wheel"]), Network, "`pip install` uses the network", "pip install requests"),
    r("pip3", Sub(&["install", "download", "wheel"]), Network, "`pip install` uses the network", "pip3 install requests"),
    r("uv", Sub(&["add", "sync", "pip", "tool", "run", "lock"]), Network, "`uv add` uses the network", "uv add requests"),
    r("poetry", Sub(&["add", "install", "update", "lock", "publish"]), Network, "`poetry add` uses the network", "poetry add x"),
    r("go", Sub(&["get", "install", "mod"]), Network, "`go get` uses the network", "go get example.com/x"),
    r("python", Opt(&["c"]), Destructive, "`python -c` runs code nobody can read before it runs", "python -c 'print(1)'"),
    r("python3", Opt(&["c"]), Destructive, "`python -c` runs code nobody can read before it runs", "python3 -c 'import os'"),
    r("python", Bare, Destructive, "`python` reads code from its input", "python"),
    r("python3", Bare, Destructive, "`python` reads code from its input", "python3"),
    r("python", Seq(&["-m", "pip", "install"]), Network, "`pip install` uses the network", "python -m pip install x"),
    r("python3", Seq(&["-m", "pip", "install"]), Network, "`pip install` uses the network", "python3 -m pip install x"),
    r("node", Opt(&["e", "p", "--eval", "--print"]), Destructive, "`node -e` runs code nobody can read before it runs", "node -e 'x()'"),
    r("node", Bare, Destructive, "`node` reads code from its input", "node"),
    r("perl", Always, Destructive, "`perl` runs code nobody can read before it runs", "perl -e 'unlink x'"),
    r("ruby", Always, Destructive, "`ruby` runs code nobody can read before it runs", "ruby -e 'x'"),
    r("php", Always, Destructive, "`php` runs code nobody can read before it runs", "php -r 'x();'"),
    r("lua", Always, Destructive, "`lua` runs code nobody can read before it runs", "lua -e 'x()'"),
    r("deno", Always, Destructive, "`deno` runs code nobody can read before it runs", "deno eval 'x'"),
    r("source", Always, Destructive, "runs a script in the shell itself", "source env.sh"),
    r(".", Always, Destructive, "runs a script in the shell itself", ". ./env.sh"),
    r("exec", Bare, Destructive, "replaces the shell", "exec"),
    r("kill", Always, Destructive, "stops processes", "kill 1234"),
    r("pkill", Always, Destructive, "stops processes", "pkill node"),
    r("killall", Always, Destructive, "stops processes", "killall node"),
    r("chown", Always, Destructive, "changes owners", "chown me a.txt"),
    r("dd", Always, Destructive, "copies raw data", "dd if=a of=b"),
    deny("dd", WordStarts("of=/dev/"), "`dd of=/dev/…` overwrites a device", "dd if=x of=/dev/sda"),
    // Network.
    r("curl", Always, Network, "uses the network", "curl https://example.com"),
    r("wget", Always, Network, "uses the network", "wget https://example.com"),
    r("nc", Always, Network, "uses the network", "nc example.com 80"),
    r("ncat", Always, Network, "uses the network", "ncat example.com 80"),
    r("telnet", Always, Network, "uses the network", "telnet example.com"),
    r("ssh", Always, Network, "uses the network", "ssh host ls"),
    r("scp", Always, Network, "uses the network", "scp a host:b"),
    r("rsync", Always, Network, "copies over the network", "rsync -a a host:b"),
    r("ftp", Always, Network, "uses the network", "ftp host"),
    // git. The worktree's refs and config are the user's repository's: writing them is denied.
    r("git", Always, Destructive, "is not a git command the table knows (an alias can run anything)", "git frobnicate"),
    r("git", Opt(&["O", "--open-files-in-pager"]), Destructive, "`git grep -O` runs a pager command", "git grep -Ovim x"),
    deny("git", SubWith("checkout", &["b", "B", "--orphan"]), "`git checkout -b` creates a branch in the user's repository", "git checkout -b feature"),
    deny("git", SubWith("switch", &["c", "C", "--create", "--force-create", "--orphan"]), "`git switch -c` creates a branch in the user's repository", "git switch -c feature"),
    r("git", SubWith("stash", &["list", "show"]), ReadOnly, "lists stashes", "git stash list"),
    deny("git", SubWithout("stash", &["list", "show"]), "`git stash` writes refs/stash of the user's repository", "git stash push -m x"),
    r("git", Sub(&["reflog"]), ReadOnly, "reads the reflog", "git reflog -n 5"),
    r("git", SubWith("reflog", &["expire", "delete"]), Destructive, "`git reflog expire` drops history", "git reflog expire --all"),
    r("git", Sub(GIT_READ), ReadOnly, "reads the repository", "git log --oneline"),
    r("git", Opt(&["--output"]), WritesWorktree, "`--output` writes a file", "git diff --output=x.patch"),
    r("git", Sub(GIT_WRITE), WritesWorktree, "changes the task's worktree or branch", "git commit -am x"),
    r("git", Sub(&["fetch", "pull", "clone", "ls-remote", "submodule"]), Network, "uses the network", "git fetch origin"),
    r("git", Sub(GIT_DESTROY), Destructive, "can throw work away", "git checkout -- src"),
    r("git", SubWith("reset", &["--hard", "--merge", "--keep"]), Destructive, "`git reset --hard` throws work away", "git reset --hard HEAD~1"),
    r("git", Sub(&["reset"]), WritesWorktree, "moves the task's branch", "git reset HEAD~1"),
    r("git", Sub(&["clean"]), Destructive, "`git clean` deletes untracked files", "git clean -fdx"),
    deny_net("git", Sub(&["push"]), "`git push` publishes to a remote", "git push origin main"),
    deny("git", Sub(GIT_REFS), "writes refs or the index of the user's repository, shared by every worktree", "git update-ref refs/heads/x HEAD"),
    r("git", SubOnly("branch", BRANCH_LIST), ReadOnly, "lists branches", "git branch -a"),
    deny("git", SubBeyond("branch", BRANCH_LIST), "creates or deletes a branch in the user's repository", "git branch feature"),
    r("git", SubOnly("tag", TAG_LIST), ReadOnly, "lists tags", "git tag -l"),
    deny("git", SubBeyond("tag", TAG_LIST), "creates or deletes a tag in the user's repository", "git tag v1"),
    r("git", SubOnly("remote", REMOTE_LIST), ReadOnly, "lists remotes", "git remote -v"),
    deny("git", SubBeyond("remote", REMOTE_LIST), "changes the remotes of the user's repository", "git remote add x https://x"),
    r("git", SubWith("config", CONFIG_READ), ReadOnly, "reads the config", "git config --get user.name"),
    deny("git", SubWithout("config", CONFIG_READ), "changes the config of the user's repository (hooks and aliases run commands)", "git config core.hooksPath x"),
    deny("git", Global(&["--git-dir", "--work-tree"]), "points git at another repository", "git --git-dir=/repo/.git status"),
    deny("git", Check(unsafe_git_config), "`git -c` sets config that can run anything (aliases, hooks, pagers)", "git -c alias.p=push p"),
    // Shells and interpreters are graded by what they run (`grade.rs`); read from input:
    r("sh", Bare, Destructive, "reads commands from its input", "sh"),
    r("bash", Bare, Destructive, "reads commands from its input", "bash"),
    r("zsh", Bare, Destructive, "reads commands from its input", "zsh"),
    r("dash", Bare, Destructive, "reads commands from its input", "dash"),
    r("sh", Always, WritesWorktree, "runs a script", "sh build.sh"),
    r("bash", Always, WritesWorktree, "runs a script", "bash build.sh"),
    // The deny-list.
    deny("sudo", Always, "`sudo` runs as another user", "sudo ls"),
    deny("doas", Always, "`doas` runs as another user", "doas ls"),
    deny("su", Always, "`su` runs as another user", "su root"),
    deny("runuser", Always, "`runuser` runs as another user", "runuser -u x ls"),
    deny("pkexec", Always, "`pkexec` runs as another user", "pkexec ls"),
    deny("mkfs", Always, "`mkfs` formats a disk", "mkfs /dev/sda"),
    deny("mkfs.ext4", Always, "`mkfs` formats a disk", "mkfs.ext4 /dev/sda"),
    deny("shutdown", Always, "stops the machine", "shutdown now"),
    deny("reboot", Always, "restarts the machine", "reboot"),
    deny("halt", Always, "stops the machine", "halt"),
    deny("poweroff", Always, "stops the machine", "poweroff"),
    deny("crontab", Always, "schedules commands outside the run", "crontab -e"),
];

/// Config keys `git -c` may set without a person: they only change how output looks or who
/// a commit is by.
const SAFE_GIT_CONFIG: &[&str] = &[
    "user.",
    "color.",
    "advice.",
    "core.abbrev",
    "core.quotepath",
    "commit.gpgsign",
    "init.defaultbranch",
    "diff.noprefix",
    "log.",
    "format.pretty",
    "merge.conflictstyle",
];

/// A `git -c KEY=VALUE` whose key is not known to be harmless.
fn unsafe_git_config(globals: &[String], _: &[String]) -> bool {
    globals.windows(2).any(|w| {
        let key = w[1].split('=').next().unwrap_or("").to_ascii_lowercase();
        w[0] == "-c" && !SAFE_GIT_CONFIG.iter().any(|s| key.starts_with(s))
    })
}

/// Whether some word of a `sed` command is a script with a `w`/`W` (write a file) or `e`
/// (run a command) command, or an `s` command with the `w` or `e` flag. A file name that
/// looks like one errs on the side of asking.
fn sed_writes_or_runs(_: &[String], args: &[String]) -> bool {
    args.iter().filter(|a| !a.starts_with('-')).any(|a| {
        a.split([';', '\n', '{', '}']).any(|cmd| {
            let c = cmd.trim_start().trim_start_matches(|ch: char| {
                ch.is_ascii_digit() || matches!(ch, '$' | ',' | '!' | ' ' | '~')
            });
            let mut chars = c.chars();
            match chars.next() {
                Some('w' | 'W' | 'e') => !matches!(chars.next(), Some(ch) if ch.is_alphanumeric()),
                Some('s') => match chars.next() {
                    Some(d) if !d.is_alphanumeric() && d != '\\' => {
                        let parts: Vec<&str> = c[1 + d.len_utf8()..].split(d).collect();
                        parts.len() >= 3 && parts[2].contains(['w', 'e'])
                    }
                    _ => false,
                },
                _ => false,
            }
        })
    })
}

/// Programs whose first word after them names what they do, for a sticky rule's prefix.
pub const SUBCOMMANDS: &[&str] = &[
    "git", "cargo", "npm", "pnpm", "yarn", "go", "make", "uv", "poetry", "pip", "pip3", "docker",
    "kubectl", "rustup", "bundle", "dotnet", "mvn", "gradle", "deno", "bun", "just", "npx",
];

/// Interpreters whose `-c`/`-e` text is opaque and whose `-m MODULE` names what they run.
pub const PYTHONS: &[&str] = &["python", "python3"];

pub fn is_shell(program: &str) -> bool {
    SHELLS.contains(&program)
}

/// The rows of `program` (an empty slice for an unknown program).
pub fn rows(program: &str) -> impl Iterator<Item = &'static Row> + '_ {
    TABLE.iter().filter(move |r| r.program == program)
}
