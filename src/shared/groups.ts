/** Groups, memberships and custom roles: request schemas and response shapes. */
import * as z from 'zod';
import { ADMIN_ONLY_PERMISSIONS, ALL_PERMISSIONS, GROUP_PERMISSIONS, GROUP_VISIBILITIES, type GroupVisibility, type Permission } from './permissions.js';

const nameSchema = z
  .string()
  .min(1, 'The name must not be empty.')
  .max(64, 'The name must have at most 64 characters.')
  .regex(/^[A-Za-z0-9._-]+$/, 'The name may contain only letters, digits, ".", "_" and "-".');

/** POST /groups */
export const createGroupSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(500).default(''),
    visibility: z.enum(GROUP_VISIBILITIES, { message: 'visibility must be group or own.' }).default('group'),
  })
  .strict();

/** PATCH /groups/:id */
export const updateGroupSchema = z
  .object({ name: nameSchema.optional(), description: z.string().max(500).optional(), visibility: z.enum(GROUP_VISIBILITIES, { message: 'visibility must be group or own.' }).optional() })
  .strict();

/** POST /groups/:id/members (adds, or changes the role of an existing member) */
export const groupMemberSchema = z.object({ userId: z.string().min(1).max(64), role: nameSchema }).strict();

/** POST /roles */
export const createRoleSchema = z
  .object({
    name: nameSchema,
    description: z.string().max(500).default(''),
    permissions: z
      .array(z.enum(ALL_PERMISSIONS as [Permission, ...Permission[]], { message: `Each permission must be one of ${GROUP_PERMISSIONS.join(', ')}.` }))
      .min(1, 'Give at least one permission.')
      .superRefine((ps, ctx) => {
        const adminOnly = ps.filter((p) => ADMIN_ONLY_PERMISSIONS.includes(p));
        if (adminOnly.length > 0) ctx.addIssue({ code: 'custom', message: `${adminOnly.join(' and ')} ${adminOnly.length > 1 ? 'are' : 'is'} held by admins only; a custom role cannot include ${adminOnly.length > 1 ? 'them' : 'it'}.` });
      }),
  })
  .strict();

export type CreateGroupInput = z.infer<typeof createGroupSchema>;
export type UpdateGroupInput = z.infer<typeof updateGroupSchema>;
export type GroupMemberInput = z.infer<typeof groupMemberSchema>;
export type CreateRoleInput = z.infer<typeof createRoleSchema>;

/** A group as the API shows it. */
export interface GroupView {
  id: string;
  name: string;
  description: string;
  visibility: GroupVisibility;
  createdAt: string;
}

/** A role as the API shows it. */
export interface RoleView {
  name: string;
  description: string;
  permissions: Permission[];
  builtIn: boolean;
}

/** What the caller may do, per group (GET /session and GET /permissions): the UI hides what the API would refuse. */
export interface EffectivePermissions {
  /** Global admins (and their unrestricted tokens) hold these in every group. */
  everywhere: Permission[] | null;
  /** The union over all groups: the rights on hosts, networks, pools, groups and the audit log. */
  any: Permission[];
  groups: { id: string; name: string; role: string; visibility: GroupVisibility; permissions: Permission[] }[];
}
