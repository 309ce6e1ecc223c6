CREATE INDEX `instances_name_id` ON `instances` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `operations_created_id` ON `operations` (`created_at`,`id`);