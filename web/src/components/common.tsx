import { Alert, Badge, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { notifications } from "@mantine/notifications";
import { ApiError } from "../api/client";
import i18n from "../i18n";
import { formatDate, formatMoney } from "../lib/format";

/** An error in plain words, with the server's code and request id kept for support. */
export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  return (
    <Alert color="red" title={title ?? t("errors.title")} role="alert" data-testid="error">
      <Text size="sm">{api ? api.message : t("errors.network")}</Text>
      {api && (
        <Text size="xs" c="dimmed" mt={4}>
          {t("errors.support", { code: api.code, request: api.requestId ?? "—" })}
        </Text>
      )}
    </Alert>
  );
}

export function EmptyState({ title, hint }: { title: string; hint?: ReactNode }) {
  return (
    <Stack align="center" gap={4} py="xl" data-testid="empty">
      <Text fw={600}>{title}</Text>
      {hint && (
        <Text size="sm" c="dimmed" ta="center" maw={480}>
          {hint}
        </Text>
      )}
    </Stack>
  );
}

export function LoadingRows({ rows = 5 }: { rows?: number }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" aria-busy="true" aria-label={t("common.loading")}>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={28} radius="sm" />
      ))}
    </Stack>
  );
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Group justify="space-between" mb="md" wrap="wrap">
      <Title order={1} size="h2">
        {title}
      </Title>
      {children && <Group gap="xs">{children}</Group>}
    </Group>
  );
}

export function Money({ amount, currency }: { amount: number; currency: string }) {
  const { i18n } = useTranslation();
  return <span style={{ whiteSpace: "nowrap" }}>{formatMoney(amount, currency, i18n.language)}</span>;
}

export function DateText({ value }: { value: string | null | undefined }) {
  const { i18n } = useTranslation();
  return <span style={{ whiteSpace: "nowrap" }}>{formatDate(value, i18n.language)}</span>;
}

/** Badges in narrow table cells keep their whole word (Mantine would cut it to "A…"). */
export const WHOLE_BADGE = {
  root: { minWidth: "max-content", overflow: "visible" },
  label: { overflow: "visible", textOverflow: "clip" },
} as const;

const STATUS_COLORS: Record<string, string> = {
  active: "green",
  trial: "blue",
  expired: "gray",
  cancelled: "gray",
  open: "orange",
  overdue: "red",
  paid: "green",
  draft: "gray",
  sent: "blue",
  accepted: "green",
  ordered: "green",
  pending: "yellow",
  failed: "red",
  succeeded: "green",
  payment_error: "red",
  auto_renew: "green",
  manual: "orange",
};

/** A status in words of the reader's language (unknown statuses shown as they are). */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={STATUS_COLORS[status] ?? "gray"} variant="dot" radius="sm" tt="none" styles={WHOLE_BADGE}>
      {t(`status.${status}` as "status.active", { defaultValue: status })}
    </Badge>
  );
}

/** A toast that says an action is done (or refused), closable by keyboard and screen reader. */
export function notify(message: string, color = "green") {
  notifications.show({ message, color, closeButtonProps: { "aria-label": i18n.t("common.close") } });
}
