ALTER TABLE `storage_pools` ADD `server` text;--> statement-breakpoint
ALTER TABLE `storage_pools` ADD `export_path` text;--> statement-breakpoint
ALTER TABLE `storage_pools` ADD `mount_options` text;