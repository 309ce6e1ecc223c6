CREATE TABLE `migration_reservations` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`host_id` text NOT NULL,
	`cores` integer NOT NULL,
	`memory_mib` integer NOT NULL,
	`disk_bytes` integer NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')) NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- A reservation counts in its target's host_claims like an instance placed there (drizzle does not model triggers);
-- the host_claims triggers of 0021 then tick the scheduler's clock, so its in-memory copy sees the reservation too.
CREATE TRIGGER `migration_reservations_claim_insert` AFTER INSERT ON `migration_reservations` BEGIN
  INSERT INTO `host_claims` (`host_id`, `cores`, `memory_mib`, `disk_bytes`) VALUES (NEW.`host_id`, NEW.`cores`, NEW.`memory_mib`, NEW.`disk_bytes`)
    ON CONFLICT (`host_id`) DO UPDATE SET `cores` = `cores` + excluded.`cores`, `memory_mib` = `memory_mib` + excluded.`memory_mib`, `disk_bytes` = `disk_bytes` + excluded.`disk_bytes`;
END;
--> statement-breakpoint
CREATE TRIGGER `migration_reservations_claim_delete` AFTER DELETE ON `migration_reservations` BEGIN
  UPDATE `host_claims` SET `cores` = `cores` - OLD.`cores`, `memory_mib` = `memory_mib` - OLD.`memory_mib`, `disk_bytes` = `disk_bytes` - OLD.`disk_bytes`
    WHERE `host_id` = OLD.`host_id`;
END;
