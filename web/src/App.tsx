import { lazy, Suspense, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router";
import { useSession } from "./auth/useSession";
import { LoadingRows } from "./components/common";
import { Layout } from "./Layout";
import { SignIn } from "./screens/SignIn";

import Summary from "./screens/Summary";

// One chunk per screen: the first load carries only the shell and the screen it opens. The
// summary, where everyone lands, is in the first chunk: its data is asked for at once.
const Subscriptions = lazy(() => import("./screens/subscriptions/SubscriptionsList"));
const SubscriptionDetail = lazy(() => import("./screens/subscriptions/SubscriptionDetail"));
const Renewals = lazy(() => import("./screens/Renewals"));
const Quotes = lazy(() => import("./screens/quotes/QuotesList"));
const QuoteDetail = lazy(() => import("./screens/quotes/QuoteDetail"));
const NewQuote = lazy(() => import("./screens/quotes/NewQuote"));
const PartnerQuoteNew = lazy(() => import("./screens/quotes/PartnerQuoteNew"));
const Invoices = lazy(() => import("./screens/invoices/InvoicesList"));
const InvoiceDetail = lazy(() => import("./screens/invoices/InvoiceDetail"));
const Upcoming = lazy(() => import("./screens/Upcoming"));
const Orders = lazy(() => import("./screens/Orders"));
const PaymentMethods = lazy(() => import("./screens/PaymentMethods"));
const CustomerDetails = lazy(() => import("./screens/CustomerDetails"));
const AuthCallback = lazy(() => import("./screens/AuthCallback"));
const NotFound = lazy(() => import("./screens/NotFound"));

function RequireSession({ children }: { children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  if (!session) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/sign-in?next=${next}`} replace />;
  }
  return <>{children}</>;
}

export function App() {
  return (
    <Routes>
      <Route path="/sign-in" element={<SignIn />} />
      <Route
        path="/auth/callback"
        element={
          <Suspense fallback={<LoadingRows />}>
            <AuthCallback />
          </Suspense>
        }
      />
      <Route
        element={
          <RequireSession>
            <Layout />
          </RequireSession>
        }
      >
        <Route index element={<Summary />} />
        <Route path="subscriptions" element={<Subscriptions />} />
        <Route path="subscriptions/:id" element={<SubscriptionDetail />} />
        <Route path="renewals" element={<Renewals />} />
        <Route path="quotes" element={<Quotes />} />
        <Route path="quotes/new" element={<NewQuote />} />
        <Route path="quotes/partner-new" element={<PartnerQuoteNew />} />
        <Route path="quotes/:id" element={<QuoteDetail />} />
        <Route path="invoices" element={<Invoices />} />
        <Route path="invoices/:id" element={<InvoiceDetail />} />
        <Route path="upcoming-payments" element={<Upcoming />} />
        <Route path="orders" element={<Orders />} />
        <Route path="payment-methods" element={<PaymentMethods />} />
        <Route path="customer" element={<CustomerDetails />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
