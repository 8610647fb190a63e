//! What the crash and fault tests share: seeded SQL workloads and a
//! snapshot of a database's committed contents.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use walnut_pager::rng::SplitMix64;
use walnut_sql::{Database, Value};

/// One unit of work: the statements run in order; `commits` says whether
/// the last one is a commit point (an autocommit statement or `COMMIT`), so
/// that a crash in it may or may not have made it durable.
#[derive(Debug, Clone)]
pub struct Unit {
    pub statements: Vec<String>,
    pub commits: bool,
}

impl Unit {
    pub fn autocommit(sql: String) -> Unit {
        Unit {
            statements: vec![sql],
            commits: true,
        }
    }
}

/// The statements a workload draws from. Values are built here, never by
/// SQL functions such as `random()`: a crash run must repeat the dry run
/// exactly up to its crash.
struct Generator {
    rng: SplitMix64,
    next_key: u64,
    indexed: bool,
}

impl Generator {
    fn text(&mut self, len: usize) -> String {
        let word = format!("v{}-", self.rng.below(1000));
        word.repeat(len / word.len() + 1)[..len].to_string()
    }

    fn insert(&mut self, rows: usize, value_len: usize) -> String {
        let values: Vec<String> = (0..rows)
            .map(|_| {
                self.next_key += 1;
                let k = self.rng.below(200);
                format!("({k}, '{}')", self.text(value_len))
            })
            .collect();
        format!("INSERT INTO t(k, v) VALUES {}", values.join(", "))
    }

    fn statement(&mut self) -> String {
        match self.rng.below(10) {
            0..=3 => {
                let len = if self.rng.chance(1, 4) { 700 } else { 20 };
                let rows = 1 + self.rng.below(3) as usize;
                self.insert(rows, len)
            }
            4 => format!(
                "UPDATE t SET v = v || 'u', k = k + 1 WHERE k % 7 = {}",
                self.rng.below(7)
            ),
            5 => format!("DELETE FROM t WHERE k % 11 = {}", self.rng.below(11)),
            6 => {
                self.indexed = !self.indexed;
                if self.indexed {
                    "CREATE INDEX IF NOT EXISTS t_k ON t(k)".to_string()
                } else {
                    "DROP INDEX IF EXISTS t_k".to_string()
                }
            }
            // A UNIQUE column over few values: some of these fail.
            7 | 8 => format!(
                "INSERT INTO u(a, b) VALUES ('key{}', {})",
                self.rng.below(40),
                self.rng.below(1000)
            ),
            _ => format!("DELETE FROM u WHERE b < {}", self.rng.below(300)),
        }
    }

    fn unit(&mut self) -> Unit {
        match self.rng.below(20) {
            0..=11 => Unit::autocommit(self.statement()),
            12..=15 => {
                let mut statements = vec!["BEGIN".to_string()];
                for _ in 0..2 + self.rng.below(4) {
                    statements.push(self.statement());
                }
                let commits = !self.rng.chance(1, 5);
                statements.push(if commits { "COMMIT" } else { "ROLLBACK" }.to_string());
                Unit {
                    statements,
                    commits,
                }
            }
            // Bigger than the buffer pool: the writer spills to the WAL.
            16 | 17 => {
                let mut statements = vec!["BEGIN".to_string()];
                for _ in 0..6 {
                    statements.push(self.insert(5, 600));
                }
                statements.push("COMMIT".to_string());
                Unit {
                    statements,
                    commits: true,
                }
            }
            _ => Unit::autocommit("PRAGMA wal_checkpoint".to_string()),
        }
    }
}

pub fn workload(seed: u64, units: usize) -> Vec<Unit> {
    let mut g = Generator {
        rng: SplitMix64::new(seed),
        next_key: 0,
        indexed: false,
    };
    let mut w = vec![
        Unit::autocommit("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)".to_string()),
        Unit::autocommit("CREATE TABLE u(a TEXT UNIQUE, b INTEGER NOT NULL)".to_string()),
    ];
    w.extend((0..units).map(|_| g.unit()));
    w
}

/// The committed contents: the schema, then every row of every table.
pub fn snapshot(db: &Database) -> Result<Vec<String>, walnut_sql::Error> {
    let mut out = Vec::new();
    let mut tables = Vec::new();
    for row in db.query(
        "SELECT type, name, sql FROM sqlite_master ORDER BY name",
        (),
    )? {
        out.push(format!("{row:?}"));
        if row[0] == Value::Text("table".into())
            && let Value::Text(name) = &row[1]
        {
            tables.push(name.to_string());
        }
    }
    for t in tables {
        for row in db.query(&format!("SELECT rowid, * FROM {t} ORDER BY rowid"), ())? {
            out.push(format!("{t}: {row:?}"));
        }
    }
    Ok(out)
}
