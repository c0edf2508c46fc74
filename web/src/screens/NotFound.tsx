import { Button } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { EmptyState, PageHeader } from "../components/common";

export default function NotFound() {
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("notFound.title")} />
      <EmptyState title={t("notFound.hint")} hint={<Button component={Link} to="/">{t("nav.summary")}</Button>} />
    </>
  );
}
