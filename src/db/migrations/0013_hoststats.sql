ALTER TABLE `usage_history` ADD `mem_total_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `mem_total_max` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `storage_used_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `storage_used_max` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `storage_total_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `storage_total_max` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `guest_cpu_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `guest_cpu_max` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `guest_mem_sum` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `usage_history` ADD `guest_mem_max` real DEFAULT 0 NOT NULL;