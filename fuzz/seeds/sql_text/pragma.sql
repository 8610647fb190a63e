PRAGMA synchronous = OFF; PRAGMA wal_autocheckpoint = 2; INSERT INTO u VALUES ('k', 2.5, 'b'); PRAGMA wal_checkpoint; SELECT * FROM t INDEXED BY t_a WHERE a > 'a';
