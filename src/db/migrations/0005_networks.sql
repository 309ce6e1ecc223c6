CREATE TABLE `address_pools` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`network_id` text NOT NULL,
	`mode` text NOT NULL,
	`gateway` text NOT NULL,
	`dns_servers` text DEFAULT '[]' NOT NULL,
	`ranges` text NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`network_id`) REFERENCES `networks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `address_pools_name_unique` ON `address_pools` (`name`);--> statement-breakpoint
CREATE TABLE `instance_nics` (
	`id` text PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`position` integer NOT NULL,
	`network_id` text NOT NULL,
	`mac` text NOT NULL,
	`address_pool_id` text,
	`address` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`network_id`) REFERENCES `networks`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`address_pool_id`) REFERENCES `address_pools`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `instance_nics_mac_unique` ON `instance_nics` (`mac`);--> statement-breakpoint
CREATE UNIQUE INDEX `instance_nics_address` ON `instance_nics` (`address_pool_id`,`address`);--> statement-breakpoint
CREATE UNIQUE INDEX `instance_nics_position` ON `instance_nics` (`instance_id`,`position`);--> statement-breakpoint
CREATE TABLE `networks` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`bridge` text NOT NULL,
	`subnet` text,
	`gateway` text,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `networks_name_unique` ON `networks` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `networks_bridge_unique` ON `networks` (`bridge`);--> statement-breakpoint
ALTER TABLE `compute_pools` ADD `network_id` text REFERENCES networks(id);--> statement-breakpoint
ALTER TABLE `compute_pools` ADD `address_pool_id` text REFERENCES address_pools(id);