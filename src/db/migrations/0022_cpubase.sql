ALTER TABLE `compute_pools` ADD `cpu_baseline` text;--> statement-breakpoint
ALTER TABLE `compute_pools` ADD `cpu_baseline_host_ids` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `hosts` ADD `cpu` text;