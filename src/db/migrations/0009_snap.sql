CREATE TABLE `instance_snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`parent_id` text,
	`quiesced` integer DEFAULT false NOT NULL,
	`files` text NOT NULL,
	`size_bytes` integer DEFAULT 0 NOT NULL,
	`deleting` integer DEFAULT false NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instance_snapshots_name` ON `instance_snapshots` (`instance_id`,`name`);--> statement-breakpoint
ALTER TABLE `instances` ADD `disk_files` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `current_snapshot_id` text;