-- Schema version 10: nothing changes on SQLite. On PostgreSQL this version adds
-- what search inside the database needs (postgres/0010_search_in_database.sql):
-- an image's concept column and a concept closure table for taxonomy filters.
-- SQLite searches its collections in memory, exactly, with the hierarchy there.
SELECT 1;
