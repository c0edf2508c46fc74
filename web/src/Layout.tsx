import { AppShell, Burger, Button, Group, NavLink, SegmentedControl, Text, VisuallyHidden } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation, useNavigate } from "react-router";
import type { Action } from "./auth/policy";
import { signOutLocally } from "./auth/session";
import { useCan, useSession } from "./auth/useSession";
import { LoadingRows } from "./components/common";
import { LANGUAGES } from "./i18n";

const NAV: { to: string; key: "summary" | "subscriptions" | "renewals" | "quotes" | "invoices" | "upcoming" | "orders" | "paymentMethods" | "customer"; action: Action }[] = [
  { to: "/", key: "summary", action: "dashboard.read" },
  { to: "/subscriptions", key: "subscriptions", action: "subscriptions.read" },
  { to: "/renewals", key: "renewals", action: "subscriptions.renew" },
  { to: "/quotes", key: "quotes", action: "quotes.read" },
  { to: "/invoices", key: "invoices", action: "credit_notes.read" }, // billing agents: credit notes only
  { to: "/upcoming-payments", key: "upcoming", action: "payments.upcoming" },
  { to: "/orders", key: "orders", action: "orders.read" },
  { to: "/payment-methods", key: "paymentMethods", action: "payment_methods.read" },
  { to: "/customer", key: "customer", action: "customer.read" },
];

export function Layout() {
  const { t, i18n } = useTranslation();
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const can = useCan();
  const location = useLocation();
  const navigate = useNavigate();
  const active = (to: string) => (to === "/" ? location.pathname === "/" : location.pathname.startsWith(to));

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t("nav.menu")} />
            <Text fw={700} component={Link} to="/" c="inherit" style={{ textDecoration: "none" }}>
              {t("app.title")}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Text size="sm" visibleFrom="md" data-testid="who">
              {session?.name} · {session?.company} · {session?.roles.map((r) => t(`roles.${r}` as "roles.user", { defaultValue: r })).join(", ")}
            </Text>
            <SegmentedControl
              size="xs"
              aria-label={t("nav.language")}
              value={i18n.language}
              onChange={(lng) => void i18n.changeLanguage(lng)}
              data={LANGUAGES.map((l) => ({ value: l, label: l.toUpperCase() }))}
            />
            <Button
              size="xs"
              variant="default"
              onClick={() => {
                signOutLocally();
                navigate("/sign-in");
              }}
            >
              {t("nav.signOut")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("nav.main")}>
        {NAV.filter((n) => can(n.action)).map((n) => (
            <NavLink
              key={n.to}
              component={Link}
              to={n.to}
              label={t(`nav.${n.key}`)}
              active={active(n.to)}
              aria-current={active(n.to) ? "page" : undefined}
              onClick={close}
              variant="filled"
            />
          ))}
      </AppShell.Navbar>
      <AppShell.Main>
        <VisuallyHidden>
          <a href="#content">{t("nav.skip")}</a>
        </VisuallyHidden>
        <main id="content">
          <Suspense fallback={<LoadingRows rows={8} />}>
            <Outlet />
          </Suspense>
        </main>
      </AppShell.Main>
    </AppShell>
  );
}
