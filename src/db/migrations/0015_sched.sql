CREATE TABLE `host_claims` (
	`host_id` text PRIMARY KEY NOT NULL,
	`cores` integer DEFAULT 0 NOT NULL,
	`memory_mib` integer DEFAULT 0 NOT NULL,
	`disk_bytes` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`host_id`) REFERENCES `hosts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `compute_pools` ADD `cpu_load_ceiling` integer DEFAULT 100 NOT NULL;--> statement-breakpoint
-- host_claims is kept by these triggers (drizzle does not model triggers): every write of an instance row adjusts its host's claim in the same transaction.
CREATE TRIGGER `instances_claim_insert` AFTER INSERT ON `instances` BEGIN
  INSERT INTO `host_claims` (`host_id`, `cores`, `memory_mib`, `disk_bytes`)
    VALUES (NEW.`host_id`, NEW.`cores`, NEW.`memory_mib`, NEW.`disk_size_bytes` + (SELECT coalesce(sum(json_extract(d.value, '$.sizeBytes')), 0) FROM json_each(NEW.`data_disks`) d))
    ON CONFLICT (`host_id`) DO UPDATE SET `cores` = `cores` + excluded.`cores`, `memory_mib` = `memory_mib` + excluded.`memory_mib`, `disk_bytes` = `disk_bytes` + excluded.`disk_bytes`;
END;
--> statement-breakpoint
CREATE TRIGGER `instances_claim_delete` AFTER DELETE ON `instances` BEGIN
  UPDATE `host_claims` SET `cores` = `cores` - OLD.`cores`, `memory_mib` = `memory_mib` - OLD.`memory_mib`,
    `disk_bytes` = `disk_bytes` - (OLD.`disk_size_bytes` + (SELECT coalesce(sum(json_extract(d.value, '$.sizeBytes')), 0) FROM json_each(OLD.`data_disks`) d))
    WHERE `host_id` = OLD.`host_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `instances_claim_update` AFTER UPDATE OF `host_id`, `cores`, `memory_mib`, `disk_size_bytes`, `data_disks` ON `instances` BEGIN
  UPDATE `host_claims` SET `cores` = `cores` - OLD.`cores`, `memory_mib` = `memory_mib` - OLD.`memory_mib`,
    `disk_bytes` = `disk_bytes` - (OLD.`disk_size_bytes` + (SELECT coalesce(sum(json_extract(d.value, '$.sizeBytes')), 0) FROM json_each(OLD.`data_disks`) d))
    WHERE `host_id` = OLD.`host_id`;
  INSERT INTO `host_claims` (`host_id`, `cores`, `memory_mib`, `disk_bytes`)
    VALUES (NEW.`host_id`, NEW.`cores`, NEW.`memory_mib`, NEW.`disk_size_bytes` + (SELECT coalesce(sum(json_extract(d.value, '$.sizeBytes')), 0) FROM json_each(NEW.`data_disks`) d))
    ON CONFLICT (`host_id`) DO UPDATE SET `cores` = `cores` + excluded.`cores`, `memory_mib` = `memory_mib` + excluded.`memory_mib`, `disk_bytes` = `disk_bytes` + excluded.`disk_bytes`;
END;
--> statement-breakpoint
INSERT INTO `host_claims` (`host_id`, `cores`, `memory_mib`, `disk_bytes`)
  SELECT `host_id`, sum(`cores`), sum(`memory_mib`), sum(`disk_size_bytes` + (SELECT coalesce(sum(json_extract(d.value, '$.sizeBytes')), 0) FROM json_each(`data_disks`) d))
  FROM `instances` GROUP BY `host_id`;
