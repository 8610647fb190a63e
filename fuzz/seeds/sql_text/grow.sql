INSERT INTO t(a, b) SELECT a || id, b * 2 FROM t; INSERT INTO t(a, b) SELECT a || id, b * 2 FROM t; DELETE FROM t WHERE id % 3 = 0; REINDEX; PRAGMA integrity_check;
