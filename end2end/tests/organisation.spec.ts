// Organisations: an operator creates a Pro invite code; the owner creates an organisation with it
// and invites a colleague; the colleague (another browser) accepts through the link; the owner changes their
// role and removes them. Also the audit log page, and what a member is told instead of getting
// controls. Own gateway (development sign-in on, Olivia is an operator), serial.
import type { Browser, Page } from "@playwright/test";
import { test, expect, waitForHydration, watchForProblems, devSignIn, checkPage } from "./support";
import { startGateway, removeDataDir, Gateway } from "../gateway";

test.describe.configure({ mode: "serial" });

let gw: Gateway;
let inviteLink = "";

test.beforeAll(async () => {
  gw = await startGateway({ env: { GATEWAY_OPERATORS: "dev:olivia@example.com" } });
});

test.afterAll(async () => {
  const code = await gw?.stop();
  if (gw) removeDataDir(gw.dataDir);
  expect(code, "gateway exits cleanly on SIGTERM").toBe(0);
});

const url = (path: string) => `${gw.url}${path}`;

async function signIn(page: Page, path: string, name: string, email: string) {
  await page.goto(url(path));
  await expect(page).toHaveURL(/\/auth\/dev\/login/);
  await devSignIn(page, name, email);
}

async function newBrowserPage(browser: Browser, problems: string[]) {
  const context = await browser.newContext();
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const page = await context.newPage();
  watchForProblems(page, problems);
  return { context, page };
}

test("the owner creates a Pro organisation with an operator's invite code and invites a colleague", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await signIn(page, "/admin", "Olivia Owner", "olivia@example.com");
  await expect(page).toHaveURL(url("/admin"));
  await waitForHydration(page);
  // The operator creates an invite code; it is shown once.
  await page.getByLabel("For (label)").fill("Acme pilot");
  await page.getByLabel("Maximum uses").fill("1");
  await page.getByRole("button", { name: "Create invite code" }).click();
  const codeField = page.getByRole("textbox", { name: "New invite code" });
  await expect(codeField).toHaveValue(/^PRO-[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
  const code = await codeField.inputValue();
  await expect(page.locator("#invite-codes-table").getByRole("row", { name: /Acme pilot/ })).toContainText("0 of 1");
  await checkPage(page, "organisation-01-admin-invite-code");

  // Settings: no organisation yet, so "Create an organisation"; a wrong code is refused and the
  // name kept.
  await page.goto(url("/settings"));
  await waitForHydration(page);
  await page.getByLabel("Organisation name").fill("Acme IT");
  await page.getByLabel("Invite code (optional)").fill("PRO-WRONG");
  await page.getByRole("button", { name: "Create an organisation" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "That invite code is not valid" })).toBeVisible();
  await expect(page.getByLabel("Organisation name")).toHaveValue("Acme IT");
  await page.getByLabel("Invite code (optional)").fill(code.toLowerCase());
  await page.getByRole("button", { name: "Create an organisation" }).click();
  await expect(page.locator("#organization-plan")).toHaveText("Pro");
  await expect(page.locator("#organization-role")).toHaveText("Owner");
  await expect(page.getByRole("button", { name: "Leave organisation" })).toBeDisabled();
  await expect(page.getByText("You own this organisation: transfer ownership")).toBeVisible();
  await checkPage(page, "organisation-02-settings-with-organisation");

  // The organisation page: create a team and an invite link (admin role, 1 use).
  await page.getByRole("link", { name: "Manage organisation" }).click();
  await expect(page).toHaveURL(url("/organisation"));
  await expect(page.getByRole("heading", { name: "Acme IT", level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel("New team").fill("Service Desk");
  await page.getByRole("button", { name: "Create team" }).click();
  await expect(page.getByRole("heading", { name: "Service Desk", level: 3 })).toBeVisible();
  await page.getByLabel("Role", { exact: true }).selectOption("admin");
  await page.getByLabel("Team", { exact: true }).selectOption({ label: "Service Desk" });
  await page.getByLabel("Maximum uses").fill("1");
  await page.getByRole("button", { name: "Create invite link" }).click();
  const linkField = page.getByRole("textbox", { name: "New invite link" });
  await expect(linkField).toHaveValue(new RegExp(`^${gw.url}/invite/[A-Za-z0-9_-]{43}$`));
  inviteLink = await linkField.inputValue();
  await page.getByRole("button", { name: "Copy the invite link" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(inviteLink);
  const invitations = page.locator("#invitations-table");
  await expect(invitations.getByRole("row")).toHaveCount(2);
  await expect(invitations).toContainText("Active");
  await expect(invitations).toContainText("0 of 1");
  await checkPage(page, "organisation-03-organisation-page-owner");
});

test("the colleague opens the link, signs in, sees who invites them and joins at once", async ({ browser, problems }) => {
  const { context, page } = await newBrowserPage(browser, problems);
  await page.goto(inviteLink);
  // Signed out: sign in first, then back to the invitation.
  await expect(page).toHaveURL(/\/auth\/dev\/login\?next=/);
  await devSignIn(page, "Bob Builder", "bob@example.com");
  await expect(page).toHaveURL(inviteLink);
  await expect(page.getByRole("heading", { name: "Join “Acme IT”" })).toBeVisible();
  await expect(page.getByText("Olivia Owner")).toBeVisible();
  await expect(page.getByText("as admin, in the team “Service Desk”")).toBeVisible();
  await checkPage(page, "organisation-04-accept-invitation");
  await page.getByRole("button", { name: "Accept & Join Organisation" }).click();
  await expect(page).toHaveURL(url("/organisation"));
  await expect(page.getByRole("heading", { name: "Acme IT", level: 1 })).toBeVisible();
  await expect(page.locator("#my-role")).toHaveText("Admin");
  // An admin cannot transfer ownership or delete the organisation: told why, no controls.
  await expect(page.locator("#transfer-unavailable")).toHaveText("Only the organisation's owner can transfer ownership.");
  await expect(page.locator("#delete-unavailable")).toHaveText("Only the organisation's owner can delete it.");
  await expect(page.getByRole("button", { name: "Delete organisation" })).toHaveCount(0);

  // The link is used up now: a third person gets its own page.
  const third = await newBrowserPage(browser, problems);
  await third.page.goto(inviteLink);
  await devSignIn(third.page, "Carol", "carol@example.com");
  await expect(third.page.getByRole("heading", { name: "This invite link has been used up" })).toBeVisible();
  await checkPage(third.page, "organisation-05-invitation-used-up");
  await third.context.close();
  await context.close();
});

test("the owner sees the new member, changes their role, then removes them; the log shows it all", async ({ page, browser, problems }) => {
  await signIn(page, "/organisation", "Olivia Owner", "olivia@example.com");
  await waitForHydration(page);
  const bob = page.locator("#members-table").getByRole("row", { name: /Bob Builder/ });
  await expect(bob).toContainText("Admin");
  await expect(bob).toContainText("Service Desk");
  await expect(page.locator("#invitations-table")).toContainText("Used up");

  await page.getByLabel("Role of Bob Builder", { exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Save role of Bob Builder" }).click();
  await expect(bob.locator("td[data-role]")).toHaveText("Member");
  await expect(page.getByRole("status").getByText("Role changed")).toBeVisible();

  // Bob, as a member now, is told why he cannot manage members.
  const bobs = await newBrowserPage(browser, problems);
  await signIn(bobs.page, "/organisation", "Bob Builder", "bob@example.com");
  await expect(bobs.page.locator("#members-unavailable")).toHaveText("Only the organisation's owner and admins can manage members.");
  await expect(bobs.page.locator("#invitations-unavailable")).toHaveText("Only the organisation's owner and admins can manage invitations.");
  await checkPage(bobs.page, "organisation-06-organisation-page-member");

  await page.getByText("Remove…").click();
  await page.getByRole("button", { name: "Remove Bob Builder", exact: true }).click();
  await expect(page.locator("#members-table").getByRole("row", { name: /Bob Builder/ })).toHaveCount(0);
  await expect(page.getByRole("heading", { name: "Members (1)" })).toBeVisible();
  await checkPage(page, "organisation-07-after-removal");

  // Bob's next request: no organisation.
  await bobs.page.reload();
  await expect(bobs.page.getByRole("heading", { name: "You are not in an organisation yet" })).toBeVisible();
  await bobs.context.close();

  // The audit log: every step, filterable, exportable.
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByRole("heading", { name: "Audit log", level: 1 })).toBeVisible();
  const log = page.locator("#audit-table");
  for (const action of ["organization.create", "team.create", "invitation.create", "invitation.accept", "member.role_change", "member.remove"]) {
    await expect(log.locator(`tr[data-action="${action}"]`).first()).toBeVisible();
  }
  await checkPage(page, "organisation-08-audit-log");
  await page.getByLabel("Action").selectOption("member.remove");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/\/organisation\/audit\?.*action=member\.remove/);
  await expect(log.locator("tbody tr")).toHaveCount(1);
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = await (await download).createReadStream();
  let text = "";
  for await (const chunk of csv) text += chunk;
  expect(text.split("\n")[0]).toBe("occurred_at,actor,actor_user_id,action,target,outcome,detail,request_id,ip");
  expect(text).toContain("member.remove");
  expect(text).not.toContain("member.role_change");

  // Old links keep working: the /teams paths redirect permanently, filters included.
  await page.goto(url("/teams/audit?action=member.remove"));
  await expect(page).toHaveURL(url("/organisation/audit?action=member.remove"));
  await expect(log.locator("tbody tr")).toHaveCount(1);
});

test("the organisation page works on a phone-sized screen", async ({ browser, problems }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  watchForProblems(page, problems);
  await signIn(page, "/organisation", "Olivia Owner", "olivia@example.com");
  await expect(page.getByRole("heading", { name: "Acme IT", level: 1 })).toBeVisible();
  await checkPage(page, "organisation-09-mobile");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "no horizontal scrolling of the page").toBeLessThanOrEqual(0);
  await context.close();
});
