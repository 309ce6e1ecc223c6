CREATE TABLE `storage_pools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`path` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `storage_pools_name_unique` ON `storage_pools` (`name`);--> statement-breakpoint
ALTER TABLE `compute_pools` ADD `disk_overcommit` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE `compute_pools` ADD `storage_pool_id` text REFERENCES storage_pools(id);--> statement-breakpoint
ALTER TABLE `instances` ADD `storage_pool_id` text REFERENCES storage_pools(id);--> statement-breakpoint
ALTER TABLE `instances` ADD `error_code` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `updated_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `instances` SET `updated_at` = `created_at`;--> statement-breakpoint
ALTER TABLE `operations` ADD `updated_at` text DEFAULT '' NOT NULL;--> statement-breakpoint
UPDATE `operations` SET `updated_at` = `created_at`;