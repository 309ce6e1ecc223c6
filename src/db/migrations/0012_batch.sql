ALTER TABLE `instances` ADD `qos` text;--> statement-breakpoint
ALTER TABLE `operations` ADD `parent_id` text;--> statement-breakpoint
ALTER TABLE `operations` ADD `result` text;