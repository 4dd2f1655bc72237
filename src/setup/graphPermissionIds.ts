/**
 * The ids of Microsoft Graph's application permissions (its service principal's app roles), which
 * an app registration's requiredResourceAccess and an appRoleAssignment name instead of the
 * permission. docs/setup/ is generated from this table and the permission matrix
 * (src/permissions.ts); a test fails when they disagree.
 *
 * Source: Microsoft Graph permissions reference, "All permissions and IDs"
 * (https://learn.microsoft.com/graph/permissions-reference#all-permissions-and-ids), i.e.
 * microsoftgraph/microsoft-graph-docs-contrib concepts/permissions-reference.md, whose table is the
 * include concepts/includes/permissions-ids.md (read at commit
 * 43b498394ec440e548985309e1d8689c9e16adcf, rows of Type "Application"). An application permission
 * and the delegated permission of the same name have different ids: only the Application ones are here.
 *
 * Not listed because the version read predates them (look them up before granting one by id):
 * User.RevokeSessions.All, UserAuthMethod-TAP.ReadWrite.All, Policy.Read.AuthenticationMethod. None of
 * them is granted to the workflow apps; they matter only for `users` commands run by hand.
 */

/** Microsoft Graph's appId (the resourceAppId of every permission below). */
export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Application permission name -> app role id, as the permissions reference lists them. */
export const GRAPH_APPLICATION_PERMISSION_IDS: Readonly<Record<string, string>> = {
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  'AuditLog.Read.All': 'b0afded3-3588-46d8-8b3d-9842eff778da',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Directory.ReadWrite.All': '19dbc75e-c2e2-444c-a770-ec69d8559fc7',
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b',
  'Group.ReadWrite.All': '62a82d76-70ea-41e2-9197-370581804d09',
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
  'GroupMember.ReadWrite.All': 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
  'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
  'Organization.ReadWrite.All': '292d869f-3427-49a8-9dab-8c70152b74e9',
  'Policy.Read.All': '246dd0d5-5bd0-4def-940b-0421030a5b68',
  'Policy.Read.ConditionalAccess': '37730810-e9ba-4e46-b07e-8ca78d182097',
  'Policy.ReadWrite.AuthenticationMethod': '29c18626-4985-4dcd-85c0-193eef327366',
  'Policy.ReadWrite.ConditionalAccess': '01c0a623-fc9b-48e9-b794-0756f8e8f067',
  'RoleManagement.Read.All': 'c7fbd983-d9aa-4fa7-84b8-17382c103bc4',
  'RoleManagement.Read.Directory': '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'User.ReadWrite.All': '741f803b-c850-494e-b5df-cde7c675a1ca',
  'UserAuthenticationMethod.Read.All': '38d9df27-64da-44fd-b7c5-a6fbac20248f',
  'UserAuthenticationMethod.ReadWrite.All': '50483e42-d915-4231-9639-7fdb7fd190e5',
};
