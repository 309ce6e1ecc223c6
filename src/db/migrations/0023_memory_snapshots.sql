ALTER TABLE `instance_snapshots` ADD `memory_file` text;--> statement-breakpoint
ALTER TABLE `instance_snapshots` ADD `memory_size_bytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `instance_snapshots` ADD `creating` integer DEFAULT false NOT NULL;