// The web console's stories in a real browser: Debian's chromium driven by
// playwright-core, with axe-core's accessibility checks on every page in
// both languages and a screenshot of each. Run by tests/console/in_chromium.rs,
// which starts a real node on a port-0 listener, creates the accounts and
// writes the stage (a JSON file, the only argument); it checks the ledger
// afterwards through the CLI.
//
//     node tests/browser/stories.mjs STAGE.json
//
// Prints one line per step and, last, one JSON line {"ok":true,...}; exits
// non-zero naming the story and the step that failed. Selectors use the
// forms' element ids, never their words: the words differ by language.

import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** Longest a page may take to load or an element to appear (ms): generous for a loaded 2-core CI machine. */
const STEP_TIMEOUT_MS = 30_000;
/** The narrowest screen the console must work on (WCAG 2.2 reflow: 320 CSS px; a small phone is 360). */
const SMALL_SCREEN = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };
/** axe-core impacts that fail the run. */
const FAILING_IMPACTS = new Set(['serious', 'critical']);

const stage = JSON.parse(readFileSync(process.argv[2], 'utf8'));
mkdirSync(stage.screenshots, { recursive: true });
const results = { pages_checked: 0, axe_violations: [], screenshots: 0, stories: [] };
let story = '(setup)';

function say(text) {
    console.log(`[${story}] ${text}`);
}

function fail(text) {
    throw new Error(`${story}: ${text}`);
}

function check(condition, text) {
    if (!condition) fail(text);
}

const browser = await chromium.launch({
    executablePath: stage.chromium,
    // The CI runs as root in a container: chromium's sandbox needs user namespaces it may not have.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
});

/** Anything the pages' Content-Security-Policy blocked (it must block nothing of theirs). */
const blocked = [];

/**
 * A new visitor: its own cookies. The pages' CSP stays on: axe is run
 * through the DevTools protocol, which the policy does not govern.
 */
async function visitor(viewport = DESKTOP) {
    const context = await browser.newContext({ viewport, locale: 'en-GB' });
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = await context.newPage();
    page.on('console', (m) => {
        if (m.text().includes('Content Security Policy')) blocked.push(`${story}: ${m.text()}`);
    });
    return page;
}

async function go(page, path, status = 200) {
    const response = await page.goto(stage.base + path);
    check(response !== null, `no answer for ${path}`);
    check(response.status() === status, `${path} answered ${response.status()}, expected ${status}`);
    return response;
}

/** Submits the form holding `button` and waits for the page it leads to. */
async function submit(page, button) {
    await Promise.all([page.waitForNavigation(), page.click(button)]);
}

function path(page) {
    return new URL(page.url()).pathname;
}

async function text(page) {
    return page.evaluate(() => document.body.innerText);
}

/**
 * Everything checked on every page: axe-core (no serious or critical
 * violation), no English left on a Welsh page, no message id shown, the
 * page usable at 360 px (nothing wider than the screen), and a screenshot.
 */
async function inspect(page, name, language) {
    results.pages_checked += 1;
    const lang = await page.getAttribute('html', 'lang');
    check(lang === language, `${name}: <html lang="${lang}">, expected ${language}`);
    const shown = await text(page);
    for (const id of stage.message_ids) {
        check(!new RegExp(`(^|[^a-z-])${id}([^a-z-]|$)`).test(shown), `${name} (${language}) shows the message id ${id}`);
    }
    if (language === 'cy') {
        for (const english of stage.english_strings) {
            check(!shown.includes(english), `${name} in Welsh still shows English: "${english}"`);
        }
    }
    const styled = await page.evaluate(() => getComputedStyle(document.querySelector('main') || document.body).maxWidth);
    check(styled !== 'none' || !(await page.$('main')), `${name}: the console's stylesheet did not apply`);
    await page.evaluate(AXE_SOURCE);
    const axe = await page.evaluate(async () => {
        const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
    });
    for (const v of axe) {
        if (FAILING_IMPACTS.has(v.impact)) {
            results.axe_violations.push({ page: name, language, ...v });
        }
    }
    mkdirSync(stage.screenshots, { recursive: true });
    await page.screenshot({ path: join(stage.screenshots, `${language}-${name}.png`), fullPage: true });
    results.screenshots += 1;
    // The same page on a small phone: nothing may make the page scroll sideways.
    const viewport = page.viewportSize();
    await page.setViewportSize(SMALL_SCREEN);
    const overflow = await page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 1);
        return { scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 3).map((e) => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '')) };
    });
    check(overflow.scroll <= overflow.width + 1, `${name} (${language}) is ${overflow.scroll} px wide on a ${overflow.width} px screen: ${overflow.wide.join(', ')}`);
    await page.screenshot({ path: join(stage.screenshots, `${language}-${name}-360px.png`), fullPage: true });
    results.screenshots += 1;
    await page.setViewportSize(viewport);
    say(`checked ${name} in ${language}: ${axe.length} axe findings, none serious`);
}

/** Sets a password from a one-time link; lands on the first page. */
async function welcome(page, link) {
    await go(page, link);
    await page.fill('#password', stage.password);
    await page.fill('#confirm', stage.password);
    await submit(page, 'form.card button[type=submit]');
    check(path(page) === '/', `setting a password led to ${page.url()}`);
}

/** Signs in with a name and the stage's password; lands on the first page. */
async function signIn(page, name) {
    if (path(page) !== '/sign-in') await go(page, '/sign-in');
    await page.fill('#name', name);
    await page.fill('#password', stage.password);
    await submit(page, 'form.card button[type=submit]');
    check(path(page) === '/', `signing in as ${name} led to ${page.url()}`);
}

/** Adds a member from the form; returns their code (the page it leads to is theirs). */
async function addMember(page, fields) {
    await go(page, '/members/new');
    await page.fill('#name', fields.name);
    await page.check(`input[name=kind][value=${fields.kind}]`);
    if (fields.contact) await page.fill('#contact', fields.contact);
    if (fields.skills) await page.fill('#skills', fields.skills);
    await submit(page, 'form.card button[type=submit]');
    const at = path(page);
    check(at.startsWith('/members/') && at !== '/members/new', `adding ${fields.name} led to ${at}`);
    const shown = await text(page);
    check(shown.includes(fields.name), `${fields.name}'s page does not show their name`);
    return decodeURIComponent(at.slice('/members/'.length));
}

async function switchLanguage(page) {
    await submit(page, 'form[action="/language"] button');
}

const stories = {
    // 1. The first coordinator signs in with the one-time link, adds two
    // people and an agency, records exchanges by picking names, and sees the balances.
    async first_coordinator(page) {
        await welcome(page, stage.links.coordinator);
        await inspect(page, 'dashboard', 'en');
        const ceri = await addMember(page, { name: 'Ceri Morgan', kind: 'person', contact: '01443 555 0199', skills: 'gardening, dog walking' });
        const dafydd = await addMember(page, { name: 'Dafydd ap Siôn', kind: 'person', skills: 'bike repair' });
        const youth = await addMember(page, { name: 'Canolfan Ieuenctid Rhymni', kind: 'agency' });
        say(`added ${ceri}, ${dafydd} and ${youth}`);
        await inspect(page, 'member', 'en');

        await go(page, '/exchanges/new');
        await inspect(page, 'record', 'en');
        await page.check(`input[name=providers][value="${ceri}"]`);
        await page.check(`input[name=receivers][value="${dafydd}"]`);
        await page.fill('#hours', '2');
        await page.fill('#category', 'gardening');
        await submit(page, '#record-submit');
        check(!(await page.$('.problem')), `recording Ceri's two hours was refused: ${await text(page)}`);
        // A group event: Ceri and Dafydd each give an hour at the youth centre.
        await page.check(`input[name=providers][value="${ceri}"]`);
        await page.check(`input[name=providers][value="${dafydd}"]`);
        await page.check(`input[name=receivers][value="${youth}"]`);
        await page.fill('#hours', '1');
        await page.fill('#category', 'youth club');
        await submit(page, '#record-submit');
        check(!(await page.$('.problem')), `recording the youth club evening was refused: ${await text(page)}`);

        await go(page, `/members/${encodeURIComponent(ceri)}`);
        const shown = await text(page);
        check(shown.includes('gardening'), `Ceri's page does not show the gardening exchange`);
        for (const [name, at] of [
            ['listings', '/listings'],
            ['listing-new', '/listings/new'],
            ['member-edit', `/members/${encodeURIComponent(ceri)}/edit`],
            ['statement', `/members/${encodeURIComponent(ceri)}/statement`],
            ['reports', '/reports'],
            ['federation', '/federation'],
            ['proposals', '/proposals'],
            ['import', '/import'],
            ['export', `/members/${encodeURIComponent(ceri)}/export`],
            ['erase', `/members/${encodeURIComponent(ceri)}/erase`],
        ]) {
            await go(page, at);
            await inspect(page, name, 'en');
        }
        // The reports page draws its charts on the server and hands its tables over as CSV.
        await go(page, '/reports');
        check((await page.$$('svg')).length >= 3, 'the reports page has fewer than three charts');
        const csvLink = await page.getAttribute('a[href*=".csv"]', 'href');
        check(csvLink, 'the reports page offers no CSV download');
        const csv = await page.request.get(stage.base + csvLink);
        check(csv.status() === 200 && (csv.headers()['content-type'] || '').includes('csv'), `${csvLink} answered ${csv.status()} ${csv.headers()['content-type']}`);
        check((await csv.text()).split('\n').length >= 2, `${csvLink} has no rows`);
        await go(page, '/members');
        await inspect(page, 'members', 'en');
        await go(page, '/members/new');
        await inspect(page, 'member-new', 'en');
        await go(page, '/no-such-page', 404);
        await inspect(page, 'not-found', 'en');
        results.codes = { ceri, dafydd, youth };
        return page;
    },

    // 3. Imports TimeOverflow's exports: the dry run names the bad lines,
    // nothing is written until the file is right, then the balances are TimeOverflow's.
    async import_from_timeoverflow(page) {
        await signIn(page, stage.coordinator_name);
        const check_file = async (kind, file) => {
            await go(page, '/import');
            await page.check(`#kind-${kind}`);
            await page.check('#format-timeoverflow');
            await page.setInputFiles('#file', join(stage.timeoverflow, file));
            await submit(page, 'button[name=step][value=check]');
        };
        await check_file('members', 'members.csv');
        check(!(await page.$('.outcome .problem')), `TimeOverflow's members were found wanting: ${await text(page)}`);
        await inspect(page, 'import-checked', 'en');
        await submit(page, 'button[name=step][value=import]');
        check(!(await page.$('.problem')), `importing the members failed: ${await text(page)}`);
        await check_file('exchanges', 'transfers-with-problems.csv');
        const problems = await page.$$eval('.outcome ul.problems li', (items) => items.map((li) => li.innerText));
        check(problems.length === 2 && /\b4\b/.test(problems[0]) && /\b7\b/.test(problems[1]), `the dry run should name lines 4 and 7: ${JSON.stringify(problems)}`);
        check(!(await page.$('button[name=step][value=import]')), 'a file with problems is offered for import');
        await inspect(page, 'import-problems', 'en');
        await check_file('exchanges', 'transfers.csv');
        check(!(await page.$('.outcome .problem')), `the fixed file still has problems: ${await text(page)}`);
        await submit(page, 'button[name=step][value=import]');
        check(!(await page.$('.problem')), `importing the transfers failed: ${await text(page)}`);
        await inspect(page, 'import-done', 'en');
    },

    // 2. Switches to Welsh: every page in Welsh, no English string or message id left.
    async in_welsh(page) {
        await signIn(page, stage.coordinator_name);
        await switchLanguage(page);
        const pages = [
            ['dashboard', '/'],
            ['members', '/members'],
            ['member', `/members/${encodeURIComponent(results.codes.ceri)}`],
            ['member-new', '/members/new'],
            ['record', '/exchanges/new'],
            ['proposals', '/proposals'],
            ['listings', '/listings'],
            ['listing-new', '/listings/new'],
            ['member-edit', `/members/${encodeURIComponent(results.codes.ceri)}/edit`],
            ['statement', `/members/${encodeURIComponent(results.codes.ceri)}/statement`],
            ['reports', '/reports'],
            ['federation', '/federation'],
            ['import', '/import'],
            ['export', `/members/${encodeURIComponent(results.codes.ceri)}/export`],
            ['erase', `/members/${encodeURIComponent(results.codes.ceri)}/erase`],
        ];
        for (const [name, at] of pages) {
            await go(page, at);
            await inspect(page, name, 'cy');
        }
        await go(page, '/no-such-page', 404);
        await inspect(page, 'not-found', 'cy');
        // The choice is the account's: it outlives signing out and in again.
        await submit(page, 'form[action="/sign-out"] button');
        await inspect(page, 'sign-in', 'cy');
        await signIn(page, stage.coordinator_name);
        check((await page.getAttribute('html', 'lang')) === 'cy', 'the Welsh chosen before signing out was forgotten');
    },

    // 4. A viewer sees the figures, never a contact or a special-needs note, and changes nothing.
    async viewer(page) {
        await welcome(page, stage.links.viewer);
        await inspect(page, 'viewer-dashboard', 'en');
        await go(page, `/members/${encodeURIComponent(stage.vulnerable.code)}`);
        const shown = await page.content();
        check(!shown.includes(stage.vulnerable.special_needs), 'a viewer sees a special-needs note');
        check(!shown.includes(stage.vulnerable.contact), 'a viewer sees a contact');
        await inspect(page, 'viewer-member', 'en');
        check(!(await page.$('a[href="/members/new"]')), 'a viewer is offered "add a member"');
        check(!(await page.$('a[href="/exchanges/new"]')), 'a viewer is offered "record an exchange"');
        // Direct posts, with the viewer's own valid form token, are refused.
        const csrf = await page.getAttribute('form[action="/language"] input[name=csrf]', 'value');
        const add = await page.request.post(stage.base + '/members', { form: { csrf, once: 'viewer-try-1', name: 'Not Allowed', kind: 'person' }, maxRedirects: 0 });
        check(add.status() === 403, `a viewer's POST /members answered ${add.status()}`);
        const record = await page.request.post(stage.base + '/exchanges', {
            form: { csrf, client_ref: 'viewer-try-2', providers: stage.vulnerable.code, receivers: results.codes.ceri, hours: '5' },
            maxRedirects: 0,
        });
        check(record.status() === 403, `a viewer's POST /exchanges answered ${record.status()}`);
        await go(page, '/members/new', 403);
    },

    // 5. A member sees their own account and cannot open another member's page by URL.
    async member(page) {
        await welcome(page, stage.links.member);
        await inspect(page, 'my-account', 'en');
        const mine = await text(page);
        check(mine.includes(stage.member.name), 'the member does not see their own name');
        const other = await page.goto(`${stage.base}/members/${encodeURIComponent(stage.vulnerable.code)}`);
        check(other.status() === 403 || other.status() === 404, `a member opened another member's page: ${other.status()}`);
        const shown = await page.content();
        check(!shown.includes(stage.vulnerable.special_needs) && !shown.includes(stage.vulnerable.contact), "a member sees another member's details");
        // Gwen records the hour she gave Mair; it waits for Mair.
        await go(page, '/my/record');
        await inspect(page, 'propose', 'en');
        await page.check('#gave');
        await page.selectOption('#other', stage.other_member.code);
        await page.fill('#hours', '1');
        await page.fill('#category', 'shopping');
        await submit(page, 'form.card button[type=submit]');
        check(path(page) === '/', `recording the hour led to ${page.url()}: ${await text(page)}`);
        check(!(await page.$('button[id^=confirm-]')), 'Gwen is offered to confirm her own exchange');
        check(await page.$('button[id^=decline-]'), 'Gwen is not offered to withdraw what she recorded');
        await inspect(page, 'my-account-waiting', 'en');
        await switchLanguage(page);
        await go(page, '/');
        await inspect(page, 'my-account', 'cy');
        await go(page, '/my/record');
        await inspect(page, 'propose', 'cy');
    },

    // 5, continued: Mair confirms the hour Gwen recorded.
    async other_member_confirms(page) {
        await welcome(page, stage.links.other_member);
        const confirm = await page.$('button[id^=confirm-]');
        check(confirm, `Mair is not offered Gwen's hour to confirm: ${await text(page)}`);
        await inspect(page, 'my-account-to-confirm', 'en');
        await submit(page, 'button[id^=confirm-]');
        check(path(page) === '/', `confirming led to ${page.url()}`);
        check(!(await page.$('.problem')), `the confirmation was refused: ${await text(page)}`);
        check(!(await page.$('button[id^=confirm-]')), 'the hour still waits after Mair confirmed it');
    },

    // The sign-in page before anyone signs in, in both languages.
    async signed_out(page) {
        await go(page, '/sign-in?lang=en');
        await inspect(page, 'sign-in', 'en');
        await go(page, '/sign-in?lang=cy');
        await inspect(page, 'sign-in', 'cy');
    },
};

/**
 * Proof that the checks can fail (a check that cannot fail proves nothing):
 * axe must find a serious violation on a page made to have them, and the
 * English the Welsh pages are searched for must be on the English pages.
 */
async function selfTest() {
    story = '(self-test)';
    const page = await visitor();
    await page.setContent('<html><body><img src="x.png"><button></button><input type="text"></body></html>');
    await page.evaluate(AXE_SOURCE);
    const found = await page.evaluate(async () => (await window.axe.run(document)).violations.map((v) => v.impact));
    check(found.some((impact) => FAILING_IMPACTS.has(impact)), `axe found no serious violation on a page made of them: ${found}`);
    await go(page, '/sign-in?lang=en');
    const english = await text(page);
    const seen = stage.english_strings.filter((s) => english.includes(s));
    check(seen.length >= 3, `the English sign-in page shows only ${seen.length} of the English strings looked for on Welsh pages`);
    await page.context().close();
    say(`axe finds what it should; ${seen.length} English strings seen on the English sign-in page`);
}

let failed = null;
try {
    await selfTest();
    for (const [name, run] of Object.entries(stories)) {
        story = name;
        const page = await visitor();
        await run(page);
        results.stories.push(name);
        say('done');
        await page.context().close();
    }
    story = '(accessibility)';
    for (const v of results.axe_violations) {
        say(`axe ${v.impact}: ${v.id} on ${v.page} (${v.language}): ${v.help} at ${v.nodes.join(' | ')}`);
    }
    check(results.axe_violations.length === 0, `${results.axe_violations.length} serious or critical accessibility violations (listed above)`);
    story = '(content security policy)';
    check(blocked.length === 0, `the pages' own policy blocked: ${blocked.join(' | ')}`);
} catch (e) {
    failed = e;
} finally {
    await browser.close();
}
writeFileSync(join(stage.screenshots, 'results.json'), JSON.stringify(results, null, 2));
if (failed) {
    console.error(`FAILED: ${failed.message}`);
    console.log(JSON.stringify({ ok: false, error: failed.message, ...results }));
    process.exit(1);
}
console.log(JSON.stringify({ ok: true, ...results }));
