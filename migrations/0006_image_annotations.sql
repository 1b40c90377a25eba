-- Schema version 6: what people say of their photos. label is a concept key
-- of the collection's class-set taxonomy (NULL: none; the image's concept is
-- then its most probable class); tags are free words, a JSON array of strings.
ALTER TABLE image ADD COLUMN label TEXT;
ALTER TABLE image ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
