import { Alert, Badge, Button, Card, Container, Group, Stack, Table, Text, Title, VisuallyHidden } from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import { appConfig } from "../auth/config";
import { setSession } from "../auth/session";
import { ErrorAlert, LoadingRows } from "../components/common";

function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/sign-in") ? next : "/";
}

export function SignIn() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const config = useQuery({ queryKey: ["app-config"], queryFn: appConfig, staleTime: Infinity });
  const dev = config.data?.auth.mode === "dev";
  const users = useQuery({
    queryKey: ["dev-users"],
    enabled: dev,
    queryFn: async () => unwrap(await api.GET("/v1/dev/users")),
  });
  const signIn = useMutation({
    mutationFn: async (subject: string) => unwrap(await api.POST("/v1/dev/token", { body: { subject } })),
    onSuccess: (token) => {
      setSession({
        token: token.access_token,
        subject: token.user.subject,
        name: token.user.name,
        csn: token.user.csn,
        company: token.user.company_name,
        roles: token.user.roles,
        partnerCsn: token.user.partner_csn ?? null,
        mode: "dev",
      });
      navigate(next, { replace: true });
    },
  });

  return (
    <Container size="md" py="xl">
      <main>
        <Stack>
          <Title order={1} size="h2">
            {t("signIn.title")}
          </Title>
          {params.get("expired") && (
            <Alert color="yellow" role="status">
              {t("signIn.expired")}
            </Alert>
          )}
          {config.isPending && <LoadingRows rows={3} />}
          {config.data?.auth.mode === "oidc" && (
            <Card withBorder>
              <Stack>
                <Text>{t("signIn.oidcHint")}</Text>
                <Button
                  onClick={async () => {
                    const { startSignIn } = await import("../auth/oidc");
                    const auth = config.data?.auth;
                    if (auth?.mode === "oidc") await startSignIn(auth, next);
                  }}
                >
                  {t("signIn.oidcButton")}
                </Button>
              </Stack>
            </Card>
          )}
          {dev && (
            <>
              <Text c="dimmed">{t("signIn.devHint")}</Text>
              <ErrorAlert error={users.error ?? signIn.error} />
              {users.isPending ? (
                <LoadingRows rows={6} />
              ) : (
                <Table striped highlightOnHover verticalSpacing="xs">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t("signIn.user")}</Table.Th>
                      <Table.Th>{t("signIn.company")}</Table.Th>
                      <Table.Th>{t("signIn.roles")}</Table.Th>
                      <Table.Th>
                        <VisuallyHidden>{t("signIn.action")}</VisuallyHidden>
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {(users.data ?? []).map((u) => (
                      <Table.Tr key={u.subject}>
                        <Table.Td>
                          <Text size="sm" fw={500}>
                            {u.name}
                          </Text>
                          <Text size="xs" c="dimmed">
                            {u.subject}
                          </Text>
                        </Table.Td>
                        <Table.Td>{u.company_name}</Table.Td>
                        <Table.Td>
                          <Group gap={4}>
                            {u.roles.map((r) => (
                              <Badge key={r} variant="dot" color="dark" radius="sm" tt="none">
                                {t(`roles.${r}` as "roles.user", { defaultValue: r })}
                              </Badge>
                            ))}
                          </Group>
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="xs"
                            loading={signIn.isPending && signIn.variables === u.subject}
                            onClick={() => signIn.mutate(u.subject)}
                            aria-label={t("signIn.as", { name: u.name })}
                          >
                            {t("signIn.button")}
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
            </>
          )}
        </Stack>
      </main>
    </Container>
  );
}
