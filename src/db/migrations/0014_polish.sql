ALTER TABLE `images` ADD `tags` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `media` ADD `description` text DEFAULT '' NOT NULL;