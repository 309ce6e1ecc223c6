CREATE TABLE `placement_changes` (
	`host_id` text PRIMARY KEY NOT NULL,
	`version` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `placement_changes_version` ON `placement_changes` (`version`);--> statement-breakpoint
CREATE TABLE `placement_clock` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 0 NOT NULL
);--> statement-breakpoint
INSERT INTO `placement_clock` (`id`, `version`) VALUES (1, 0);--> statement-breakpoint
-- The scheduler keeps the candidates in memory and rereads only the hosts listed here past the version it has seen (drizzle does not model triggers):
-- every change of a host's schedulable fields or of its claims ticks the clock and stamps the host, in the transaction that makes the change.
CREATE TRIGGER `host_claims_placement_insert` AFTER INSERT ON `host_claims` BEGIN
  UPDATE `placement_clock` SET `version` = `version` + 1 WHERE `id` = 1;
  INSERT INTO `placement_changes` (`host_id`, `version`) VALUES (NEW.`host_id`, (SELECT `version` FROM `placement_clock` WHERE `id` = 1))
    ON CONFLICT (`host_id`) DO UPDATE SET `version` = excluded.`version`;
END;
--> statement-breakpoint
CREATE TRIGGER `host_claims_placement_update` AFTER UPDATE ON `host_claims` BEGIN
  UPDATE `placement_clock` SET `version` = `version` + 1 WHERE `id` = 1;
  INSERT INTO `placement_changes` (`host_id`, `version`) VALUES (NEW.`host_id`, (SELECT `version` FROM `placement_clock` WHERE `id` = 1))
    ON CONFLICT (`host_id`) DO UPDATE SET `version` = excluded.`version`;
END;
--> statement-breakpoint
CREATE TRIGGER `host_claims_placement_delete` AFTER DELETE ON `host_claims` BEGIN
  UPDATE `placement_clock` SET `version` = `version` + 1 WHERE `id` = 1;
  INSERT INTO `placement_changes` (`host_id`, `version`) VALUES (OLD.`host_id`, (SELECT `version` FROM `placement_clock` WHERE `id` = 1))
    ON CONFLICT (`host_id`) DO UPDATE SET `version` = excluded.`version`;
END;
--> statement-breakpoint
CREATE TRIGGER `hosts_placement_insert` AFTER INSERT ON `hosts` BEGIN
  UPDATE `placement_clock` SET `version` = `version` + 1 WHERE `id` = 1;
  INSERT INTO `placement_changes` (`host_id`, `version`) VALUES (NEW.`id`, (SELECT `version` FROM `placement_clock` WHERE `id` = 1))
    ON CONFLICT (`host_id`) DO UPDATE SET `version` = excluded.`version`;
END;
--> statement-breakpoint
CREATE TRIGGER `hosts_placement_update` AFTER UPDATE OF `name`, `enabled`, `pool_id`, `cpus`, `memory_mib` ON `hosts` BEGIN
  UPDATE `placement_clock` SET `version` = `version` + 1 WHERE `id` = 1;
  INSERT INTO `placement_changes` (`host_id`, `version`) VALUES (NEW.`id`, (SELECT `version` FROM `placement_clock` WHERE `id` = 1))
    ON CONFLICT (`host_id`) DO UPDATE SET `version` = excluded.`version`;
END;
--> statement-breakpoint
CREATE TRIGGER `hosts_placement_delete` AFTER DELETE ON `hosts` BEGIN
  UPDATE `placement_clock` SET `version` = `version` + 1 WHERE `id` = 1;
  INSERT INTO `placement_changes` (`host_id`, `version`) VALUES (OLD.`id`, (SELECT `version` FROM `placement_clock` WHERE `id` = 1))
    ON CONFLICT (`host_id`) DO UPDATE SET `version` = excluded.`version`;
END;
