ALTER TABLE `instances` ADD `max_cores` integer;--> statement-breakpoint
ALTER TABLE `instances` ADD `max_memory_mib` integer;--> statement-breakpoint
ALTER TABLE `instances` ADD `description` text DEFAULT '' NOT NULL;