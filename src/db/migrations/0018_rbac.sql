CREATE TABLE `group_members` (
	`group_id` text NOT NULL,
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `group_members_user` ON `group_members` (`user_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`visibility` text DEFAULT 'group' NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `groups_name_unique` ON `groups` (`name`);--> statement-breakpoint
CREATE TABLE `roles` (
	`name` text PRIMARY KEY NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`permissions` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `role` text;--> statement-breakpoint
ALTER TABLE `images` ADD `group_id` text DEFAULT 'grp_default' NOT NULL;--> statement-breakpoint
ALTER TABLE `images` ADD `created_by` text;--> statement-breakpoint
ALTER TABLE `instances` ADD `group_id` text DEFAULT 'grp_default' NOT NULL;--> statement-breakpoint
ALTER TABLE `instances` ADD `created_by` text;--> statement-breakpoint
ALTER TABLE `media` ADD `group_id` text DEFAULT 'grp_default' NOT NULL;--> statement-breakpoint
ALTER TABLE `media` ADD `created_by` text;--> statement-breakpoint
INSERT OR IGNORE INTO `groups` (`id`, `name`, `description`) VALUES ('grp_default', 'default', 'Everything made before groups, and users in no other group.');--> statement-breakpoint
INSERT OR IGNORE INTO `group_members` (`group_id`, `user_id`, `role`) SELECT 'grp_default', `id`, 'admin' FROM `users` WHERE `role` = 'admin';
