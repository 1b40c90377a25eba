-- Schema version 6: labels and tags of photos (see ../0006_image_annotations.sql).
ALTER TABLE image ADD COLUMN label text;
ALTER TABLE image ADD COLUMN tags text NOT NULL DEFAULT '[]';
