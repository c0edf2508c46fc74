import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "./styles.css";
import { MantineProvider, createTheme, type CSSVariablesResolver } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { ApiError } from "./api/client";
import { App } from "./App";
import "./i18n";

const theme = createTheme({
  primaryColor: "blue",
  primaryShade: { light: 8, dark: 6 }, // darker blue: 4.5:1 contrast for text on white
  defaultRadius: "sm",
});

// Text on the light and outline variants at 4.5:1 contrast at least (axe-core: color-contrast).
const shade9 = ["blue", "red"] as const;
const contrast: CSSVariablesResolver = (theme) => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": theme.colors.gray[7]!,
    "--mantine-color-placeholder": theme.colors.gray[6]!,
    "--mantine-color-anchor": theme.colors.blue[9]!,
    "--mantine-color-yellow-light-color": "#7a4f01",
    "--mantine-color-orange-light-color": "#993d00",
    "--mantine-color-orange-outline": "#993d00",
    "--mantine-color-green-light-color": "#1b5e2a",
    "--mantine-color-green-outline": "#1b5e2a",
    "--mantine-color-teal-light-color": "#065f45",
    "--mantine-color-teal-outline": "#065f45",
    "--mantine-color-gray-light-color": theme.colors.gray[8]!,
    "--mantine-color-gray-outline": theme.colors.gray[8]!,
    ...Object.fromEntries(
      shade9.flatMap((c) => [
        [`--mantine-color-${c}-light-color`, theme.colors[c]![9]!],
        [`--mantine-color-${c}-outline`, theme.colors[c]![9]!],
      ]),
    ),
  },
  dark: {},
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      refetchOnWindowFocus: false,
      // A refusal (4xx) will not change by asking again; a network blip might.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={contrast}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
